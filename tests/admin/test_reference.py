"""The reference lists page: every list's current values and labels, and where to edit them."""

from fieldapp.reference import reference_lists


def test_every_list_is_shown_with_its_values_labels_and_file(client, admin):
    page = client.get("/admin/reference").get_data(as_text=True)
    lists = reference_lists()
    assert lists.version in page
    assert "fieldapp/data/reference.json" in page
    for name, items in lists.lists.items():
        assert f'id="list-{name}"' in page
        for item in items:
            assert item["label"].replace("&", "&amp;") in page


def test_the_page_has_no_form_to_edit_the_lists(client, admin):
    page = client.get("/admin/reference").get_data(as_text=True)
    assert 'method="post"' not in page.replace('action="/logout"', "").split("<main")[1]
