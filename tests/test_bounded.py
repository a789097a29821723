"""Recent: the entries read or written last are the ones kept, by hand."""

from data_access.bounded import Recent


def test_the_least_recently_used_entry_goes_first():
    memo: Recent[str, int] = Recent(2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a") == 1  # "a" is now the most recent
    memo.put("c", 3)  # pushes out "b"
    assert (memo.get("a"), memo.get("b"), memo.get("c"), len(memo)) == (1, None, 3, 2)
    memo.put("a", 10)  # a new value is a use too
    memo.put("d", 4)  # pushes out "c"
    assert (memo.get("a"), memo.get("c"), memo.get("d")) == (10, None, 4)
