"""The read index's shared ordered map (``graph.read.chunked``)."""

from __future__ import annotations

import pickle
import threading

import pytest

from kimnet.graph.read.chunked import CHUNK, Chunked, _places

MANY = 3 * CHUNK + 7  # across chunk boundaries, the last chunk short


def _plain() -> dict[str, int]:
    return {f"svc:{n:05d}": n for n in range(MANY)}


def test_reads_as_the_dict_it_was_made_of() -> None:
    plain = _plain()
    found = Chunked(plain)
    assert found == plain
    assert plain == found
    assert list(found) == list(plain)
    assert list(found.values()) == list(plain.values())
    assert list(found.items()) == list(plain.items())
    assert len(found) == len(found.values()) == len(found.items()) == MANY
    assert found["svc:01000"] == 1000
    assert found.get("svc:01000") == 1000
    assert found.get("svc:x") is None
    assert found.get("svc:x", -1) == -1
    assert "svc:00000" in found
    assert "svc:x" not in found
    assert ("svc:00002", 2) in found.items()
    assert 2 in found.values()
    with pytest.raises(KeyError):
        found["svc:x"]
    assert Chunked() == {}
    assert list(Chunked()) == []


def test_replaced_changes_values_and_leaves_the_map_it_came_from() -> None:
    first = Chunked(_plain())
    second = first.replaced({"svc:00001": -1, f"svc:{MANY - 1:05d}": -2})
    assert second["svc:00001"] == -1
    assert second[f"svc:{MANY - 1:05d}"] == -2
    assert first["svc:00001"] == 1
    assert first[f"svc:{MANY - 1:05d}"] == MANY - 1
    assert list(second) == list(first)  # the same keys in the same order
    expected = _plain() | {"svc:00001": -1, f"svc:{MANY - 1:05d}": -2}
    assert list(second.items()) == list(expected.items())
    assert first.replaced({}) is first


def test_replaced_shares_the_chunks_it_does_not_change() -> None:
    # The point of the map: a write renames one offer of 60,000 without copying the others.
    first = Chunked(_plain())
    second = first.replaced({f"svc:{CHUNK + 3:05d}": -1})
    assert second._at is first._at
    shared = [a is b for a, b in zip(first._chunks, second._chunks, strict=True)]
    assert shared == [True, False, True, True]


def test_replaced_refuses_a_key_it_does_not_hold() -> None:
    first = Chunked({"a": 1})
    with pytest.raises(KeyError, match="'b'"):
        first.replaced({"a": 2, "b": 3})
    assert first == {"a": 1}  # nothing half done


def test_beside_shares_the_keys_and_takes_one_value_per_key() -> None:
    nodes = Chunked({"svc:a": "A", "svc:b": "B"})
    offers = nodes.beside(["offer A", "offer B"])
    assert list(offers.items()) == [("svc:a", "offer A"), ("svc:b", "offer B")]
    assert offers._at is nodes._at
    with pytest.raises(ValueError, match="1 values for 2 keys"):
        nodes.beside(["only one"])


def test_pickles_as_its_items() -> None:
    found = Chunked(_plain()).replaced({"svc:00003": 33})
    again = pickle.loads(pickle.dumps(found))
    assert isinstance(again, Chunked)
    assert list(again.items()) == list(found.items())


def test_places_are_right_when_threads_grow_them_at_once() -> None:
    # Indexes are built in worker threads; every map's places must still be 0, 1, 2, ...
    sizes = [50_000 + 1_000 * n for n in range(8)]
    results: list[list[int]] = []
    threads = [threading.Thread(target=lambda n=n: results.append(_places(n))) for n in sizes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(r) for r in results) == sizes
    assert all(r == list(range(len(r))) for r in results)
