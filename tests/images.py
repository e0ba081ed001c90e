"""Small real images for tests that upload photos (the server checks each format's structure).

JPEG and WEBP are CPython's own test images (Lib/test/test_email/data/python.jpg and python.webp,
16x16); PNGs are built here with zlib and struct, as the format says.
"""

from __future__ import annotations

import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data and the CRC of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int = 2, height: int = 2, extra: bytes = b"") -> bytes:
    """A grey PNG of ``width`` x ``height``; ``extra`` rides in a private ancillary chunk (to vary
    the bytes, or make the file as large as a test needs: 12 bytes of overhead)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = b"".join(b"\x00" + bytes([0x80]) * width for _ in range(height))
    private = png_chunk(b"prVt", extra) if extra else b""
    return (PNG_SIGNATURE + png_chunk(b"IHDR", header) + private + png_chunk(b"IDAT", zlib.compress(rows))
            + png_chunk(b"IEND", b""))


def jpeg(extra: bytes = b"") -> bytes:
    """:data:`JPEG` with ``extra`` in comment segments after its start (to vary the bytes, or make
    the file as large as a test needs: 4 bytes of overhead per 65,533 of ``extra``)."""
    comments = b"".join(b"\xff\xfe" + struct.pack(">H", len(part) + 2) + part
                        for part in (extra[i:i + 65533] for i in range(0, len(extra), 65533)))
    return JPEG[:2] + comments + JPEG[2:]


PNG = png()
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010101000100010000ffdb0043000302020202020302020203030303040604040404040806"
    "06050609080a0a090809090a0c0f0c0a0b0e0b09090d110d0e0f101011100a0c12131210130f101010ffdb0043010303"
    "0304030408040408100b090b101010101010101010101010101010101010101010101010101010101010101010101010"
    "1010101010101010101010101010ffc00011080010001003012200021101031101ffc400160001010100000000000000"
    "000000000000070405ffc4002410000104010402020300000000000000000102030406050708121311220014093132ff"
    "c4001501010100000000000000000000000000000006ffc4002311000102050305000000000000000000000102110304"
    "05062100123115166181e1ffda000c03010002110311003f0014a6d26a1b73c1e61312d4951cf31163e42565beba5aec"
    "694540b1e520b254a51fd2cab8faf220ab963d976c9335e69b77d7e66da71781a5571c7f1cea71e24b39d7e32253f21a"
    "69ded4714a38b482e84b892a71691ecd2d213bf1efb91a74aceea15a758ed548ac655b858b81857b21299867a96b94b9"
    "49654fb9c88529114b812af07ad9f23c807e55be0df662a140cce8e69a3d5cb743b3d77a6558b1d9512188bf64b8d3f1"
    "c3680429c0d0febb3c02e03c5407b4bdd97b54e627fb6edf9460148262138db8529828370589727960e432896fc3828e"
    "a7528cea208dbe78191f07ad7fffd9"
)
WEBP = bytes.fromhex(
    "52494646a801000057454250565038580a000000100000000f00000f0000414c5048c30000000127a2a89124e57ae718"
    "5fe7df2a998898ff74718de02630e2e18b7732c8c1115c832b30e8b078158e785135c1080c024f92a06ab055191cd6b6"
    "6d462f4ec6763cb6ed77fbaf29ae21a2ff49d1fd8f90f7ba4449241b3a259134f3146d0ec7d3e51620f40b14be90e183"
    "b71a329e36827f1d297e4e7608fb889eb391ef997346e83282dbf8cc48b2f745307d20fd36178c2132562da5d66b23bc"
    "5de3a55915d59c81a4d96e96758a18310f8aaa2c5034fa3082dfba6b505229b52dcfe954140a0100000056503820be00"
    "00009002009d012a1000100003003425b00274304f08850c7c031d082cfde800fefd74a0fd029b1f8af7437c9c37f6d2"
    "0cafd3ff3568e2eea7bdc96f1bf4aac563aeba9f9784df41a23bda5be4eff8cbf1bd7fe1affa3fe509ecf4bb665fffaa"
    "29d97fc96ce786e6ac97b9e4c6f493238c5fdd8f3955207f954ffc39f8ff6fd26b03e89fbc8398666db1d513ff7617e6"
    "b1fe5d8ae49f47bfb3fabffe1d1df3128ffe5ccfc1faf918c3bdcfcf1f9139a001fd9a014b312cdebcd97baaac000000"
)
