"""static/js/vault.js, the phone's crypto core (issue #14), in real headless Chromium on the app's origin.

The module is imported as the server serves it (part of the shell), on a page
of the real server (/login, under its real Content-Security-Policy) with
service workers blocked. The recovery key is a real one from POST
/api/auth/token. tests/browser/test_phone_at_rest.py tests the app around it.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PIN = "480317"

# Snippets run with `v` (the module), `arg`, and these helpers in scope.
HELPERS = """
const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
const fails = async (promise) => { try { await promise; return null; } catch (e) { return e.message || String(e); } };
const rejects = async (promise) => (await fails(promise)) !== null;
"""


@pytest.fixture
def vault_page(page_without_worker, app_server):
    page = page_without_worker
    page.goto(f"{app_server.url}/login")
    return page


@pytest.fixture
def recovery_key(vault_page, app_server) -> str:
    response = vault_page.request.post(f"{app_server.url}/api/auth/token", data={
        "username": "officer1", "password": app_server.demo_password(), "device_name": "vault test"})
    assert response.status == 201, response.text()
    return response.json()["recovery_key"]


def run(page, body: str, arg=None):
    """Run an async snippet in the page with vault.js imported as `v`; returns what it returns."""
    return page.evaluate(
        f"async (arg) => {{ const v = await import('/app/static/js/vault.js'); {HELPERS} {body} }}", arg)


def test_pin_rules(vault_page):
    pins = ["480317", "20251", "0000000", "000000", "123456", "654321", "456789", "890123",
            "121212", "123123", "12345", "12a456", "", "4803170"]
    result = run(vault_page, "return Object.fromEntries(arg.map((pin) => [pin, v.checkPin(pin)]));", pins)
    assert result["480317"] is None and result["4803170"] is None
    assert result["12345"] == result[""] == "Use at least 6 digits."
    assert result["12a456"] == "Use digits only."
    for trivial in ["0000000", "000000", "123456", "654321", "456789", "890123", "121212", "123123"]:
        assert result[trivial] == "Too easy to guess: avoid runs and repeats.", trivial


def test_right_pin_unlocks_wrong_pin_throws_and_keys_stay_in(vault_page, recovery_key):
    result = run(vault_page, """
        const { record, key } = await v.createVault(arg.pin, arg.recovery);
        const sealed = await v.seal(key, { grounds: 'smell of cannabis', n: 3 });
        // Through IndexedDB and back, as the app will keep them.
        const db = await new Promise((ok, ko) => {
            const open = indexedDB.open('vault-test', 1);
            open.onupgradeneeded = () => open.result.createObjectStore('s');
            open.onsuccess = () => ok(open.result); open.onerror = () => ko(open.error);
        });
        const put = db.transaction('s', 'readwrite', { durability: 'strict' });
        put.objectStore('s').put({ record, sealed }, 1);
        await new Promise((ok) => { put.oncomplete = ok; });
        const stored = await new Promise((ok) => {
            const get = db.transaction('s').objectStore('s').get(1); get.onsuccess = () => ok(get.result);
        });
        const again = await v.unlockWithPin(stored.record, arg.pin);
        return {
            opened: await v.open(again, stored.sealed),
            wrong: await fails(v.unlockWithPin(stored.record, '480318')),
            extractable: [key.extractable, again.extractable],
            exportRejects: [await rejects(crypto.subtle.exportKey('raw', key)),
                            await rejects(crypto.subtle.exportKey('raw', again))],
            iterations: [record.iterations, v.PIN_ITERATIONS], failures: record.failures,
        };
    """, {"pin": PIN, "recovery": recovery_key})
    assert result["opened"] == {"grounds": "smell of cannabis", "n": 3}
    assert result["wrong"] == "Wrong PIN."
    assert result["extractable"] == [False, False]
    assert result["exportRejects"] == [True, True]
    assert result["iterations"][0] == result["iterations"][1] >= 600_000
    assert result["failures"] == 0


def test_five_wrong_pins_remove_the_pin_wrap_and_the_recovery_key_still_opens(vault_page, recovery_key):
    result = run(vault_page, """
        let { record, key } = await v.createVault(arg.pin, arg.recovery);
        const sealed = await v.seal(key, 'before the lockout');
        const seen = [];
        for (let i = 0; i < 5; i++) {
            if (await rejects(v.unlockWithPin(record, '9' + i + '7315'))) record = v.afterWrongPin(record);
            seen.push([record.failures, 'pinWrap' in record]);
        }
        const right = await fails(v.unlockWithPin(record, arg.pin));
        const recovered = await v.unlockWithRecovery(record, arg.recovery);
        const badRecovery = await fails(v.unlockWithRecovery(record, arg.other));
        const renewed = v.afterRightPin(await v.rewrap(record, { recoveryKey: arg.recovery }, '730519'));
        return {
            seen, right, badRecovery, stored: Object.keys(record).sort(), renewed: renewed.failures,
            opened: await v.open(recovered, sealed),
            newPin: await v.open(await v.unlockWithPin(renewed, '730519'), sealed),
        };
    """, {"pin": PIN, "recovery": recovery_key, "other": "A" * 43})
    assert result["seen"] == [[1, True], [2, True], [3, True], [4, True], [5, False]]
    assert result["right"].startswith("PIN unlock is off after 5 wrong PINs")
    assert result["badRecovery"] == "Wrong recovery key."
    assert result["stored"] == ["failures", "recoveryWrap", "version"]
    assert result["opened"] == result["newPin"] == "before the lockout"
    assert result["renewed"] == 0


def test_a_right_pin_resets_the_count(vault_page, recovery_key):
    result = run(vault_page, """
        let { record } = await v.createVault(arg.pin, arg.recovery);
        for (let i = 0; i < 4; i++) record = v.afterWrongPin(record);
        record = v.afterRightPin(record);
        for (let i = 0; i < 4; i++) record = v.afterWrongPin(record);
        return { failures: record.failures, unlocks: !(await rejects(v.unlockWithPin(record, arg.pin))) };
    """, {"pin": PIN, "recovery": recovery_key})
    assert result == {"failures": 4, "unlocks": True}


def test_the_stored_record_gives_nothing_away(vault_page, recovery_key):
    result = run(vault_page, """
        const { record } = await v.createVault(arg.pin, arg.recovery);
        const json = JSON.stringify(record, (name, value) => ArrayBuffer.isView(value) ? hex(value) : value);
        // The data key's bytes, taken out here (with the recovery key) only to look for them.
        const raw = Uint8Array.from(atob(arg.recovery.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
        const kek = await crypto.subtle.importKey('raw', raw, 'AES-KW', false, ['unwrapKey']);
        const dataKey = await crypto.subtle.unwrapKey('raw', record.recoveryWrap, kek, 'AES-KW', 'AES-GCM', true, ['encrypt']);
        return { json, record: JSON.parse(json), recoveryHex: hex(raw),
                 dataKeyHex: hex(await crypto.subtle.exportKey('raw', dataKey)), pinHex: hex(new TextEncoder().encode(arg.pin)) };
    """, {"pin": PIN, "recovery": recovery_key})
    json, record = result["json"].lower(), result["record"]
    assert sorted(record) == ["failures", "iterations", "pinWrap", "recoveryWrap", "salt", "version"]
    assert len(record["salt"]) == 32 and len(record["pinWrap"]) == len(record["recoveryWrap"]) == 80
    for secret in [PIN, result["pinHex"], recovery_key.lower(), result["recoveryHex"], result["dataKeyHex"]]:
        assert secret not in json
    assert len(result["dataKeyHex"]) == 64 and len(result["recoveryHex"]) == 64


def test_seals_use_a_fresh_iv_and_tampering_fails(vault_page, recovery_key):
    result = run(vault_page, """
        const { key } = await v.createVault(arg.pin, arg.recovery);
        const a = await v.seal(key, { grounds: 'same' }), b = await v.seal(key, { grounds: 'same' });
        const tampered = new Uint8Array(a.data.slice(0)); tampered[0] ^= 1;
        return { ivLength: a.iv.length, ivs: [hex(a.iv), hex(b.iv)], data: [hex(a.data), hex(b.data)],
                 both: [await v.open(key, a), await v.open(key, b)],
                 tampered: await rejects(v.open(key, { iv: a.iv, data: tampered })),
                 otherIv: await rejects(v.open(key, { iv: b.iv, data: a.data })) };
    """, {"pin": PIN, "recovery": recovery_key})
    assert result["ivLength"] == 12
    assert result["ivs"][0] != result["ivs"][1] and result["data"][0] != result["data"][1]
    assert result["both"] == [{"grounds": "same"}] * 2
    assert result["tampered"] and result["otherIv"]


def test_rewrap_keeps_the_data_key_and_retires_the_old_pin(vault_page, recovery_key):
    result = run(vault_page, """
        const { record, key } = await v.createVault(arg.pin, arg.recovery);
        const sealed = await v.seal(key, 'sealed under the first PIN');
        const renewed = await v.rewrap(record, { pin: arg.pin }, '730519');
        return {
            opened: await v.open(await v.unlockWithPin(renewed, '730519'), sealed),
            viaRecovery: await v.open(await v.unlockWithRecovery(renewed, arg.recovery), sealed),
            oldPin: await fails(v.unlockWithPin(renewed, arg.pin)),
            wrongOldPin: await fails(v.rewrap(record, { pin: '111333' }, '730519')),
            trivialNewPin: await fails(v.rewrap(record, { pin: arg.pin }, '123456')),
            sameRecoveryWrap: hex(renewed.recoveryWrap) === hex(record.recoveryWrap),
            newSalt: hex(renewed.salt) !== hex(record.salt),
        };
    """, {"pin": PIN, "recovery": recovery_key})
    assert result["opened"] == result["viaRecovery"] == "sealed under the first PIN"
    assert result["oldPin"] == result["wrongOldPin"] == "Wrong PIN."
    assert result["trivialNewPin"] == "Too easy to guess: avoid runs and repeats."
    assert result["sameRecoveryWrap"] and result["newSalt"]


def test_photo_bytes_round_trip(vault_page, recovery_key):
    result = run(vault_page, """
        const { key } = await v.createVault(arg.pin, arg.recovery);
        const bytes = new Uint8Array(300000);
        for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
        const fromBlob = await v.sealBytes(key, new Blob([bytes], { type: 'image/jpeg' }));
        const fromBuffer = await v.sealBytes(key, bytes.buffer);
        const back = [await v.openBytes(key, fromBlob), await v.openBytes(key, fromBuffer)];
        return { buffers: back.map((b) => b instanceof ArrayBuffer), same: back.map((b) => hex(b) === hex(bytes)),
                 sealedDiffers: hex(fromBlob.data).slice(0, 64) !== hex(bytes).slice(0, 64) };
    """, {"pin": PIN, "recovery": recovery_key})
    assert result == {"buffers": [True, True], "same": [True, True], "sealedDiffers": True}
