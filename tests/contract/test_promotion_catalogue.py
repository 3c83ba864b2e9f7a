"""The promotion catalogue version on every backend: it moves on, in the same unit of work, with
every promotion added or changed and with a restore, never with the counts of uses; and the
counts of some promotions are read on their own."""

from __future__ import annotations

import pytest

from ecommerce_core.domain.errors import NotFound
from ecommerce_core.ports.storage import Storage
from tests.contract.test_pricing_storage import FULL_REDUCTION, PERCENT


def _version(storage: Storage) -> int:
    with storage.unit_of_work() as uow:
        return uow.promotions.catalogue_version()


def test_the_version_moves_on_with_every_promotion_added_or_changed(storage: Storage) -> None:
    seen = [_version(storage)]
    with storage.unit_of_work() as uow:
        uow.promotions.add(FULL_REDUCTION)
        inside = uow.promotions.catalogue_version()
        assert inside != seen[0]  # in the same unit of work
        uow.commit()
    seen.append(_version(storage))
    assert seen[-1] == inside
    with storage.unit_of_work() as uow:
        uow.promotions.add(PERCENT)
        uow.commit()
    seen.append(_version(storage))
    for active in (False, True):
        with storage.unit_of_work() as uow:
            uow.promotions.set_active("promo_pc", active)
            uow.commit()
        seen.append(_version(storage))
    assert len(set(seen)) == len(seen), seen
    # a write rolled back leaves it as it was
    with storage.unit_of_work() as uow:
        uow.promotions.set_active("promo_pc", False)
    assert _version(storage) == seen[-1]
    with storage.unit_of_work() as uow, pytest.raises(NotFound):
        uow.promotions.set_active("nope", False)
    assert _version(storage) == seen[-1]


def test_uses_taken_and_given_back_do_not_move_the_version(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.promotions.add(FULL_REDUCTION)
        uow.promotions.add(PERCENT)
        uow.commit()
    before = _version(storage)
    with storage.unit_of_work() as uow:
        assert uow.promotions.usage(["promo_mj", "promo_pc", "nope"]) == {
            "promo_mj": (0, 0),
            "promo_pc": (0, 0),
        }
        assert uow.promotions.take_use("promo_mj", 20000)
        assert uow.promotions.take_use("promo_mj", 5000)
        assert uow.promotions.give_back("promo_mj", 5000)
        assert uow.promotions.take_use("promo_pc", 0)
        uow.commit()
    assert _version(storage) == before
    with storage.unit_of_work() as uow:
        assert uow.promotions.usage(["promo_mj"]) == {"promo_mj": (1, 20000)}
        assert uow.promotions.usage([]) == {}
        assert uow.promotions.usage(["promo_pc"]) == {"promo_pc": (1, 0)}


def test_a_restore_moves_the_version_on_even_to_the_same_promotions(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.promotions.add(FULL_REDUCTION)
        uow.commit()
    with storage.unit_of_work() as uow:
        data = uow.archive.dump()
    versions = [_version(storage)]
    # replace: the store is cleared and loaded again in one unit of work
    with storage.unit_of_work() as uow:
        assert not uow.archive.is_empty()
        uow.archive.clear()
        assert uow.archive.is_empty()  # the version is the store's own, not data
        uow.archive.load(data)
        uow.commit()
    versions.append(_version(storage))
    with storage.unit_of_work() as uow:
        assert uow.promotions.list() == [FULL_REDUCTION]
    # an empty store restored into (no clear)
    with storage.unit_of_work() as uow:
        uow.archive.clear()
        uow.commit()
    versions.append(_version(storage))
    with storage.unit_of_work() as uow:
        uow.archive.load({"promotions": []})
        uow.commit()
    versions.append(_version(storage))
    assert len(set(versions)) == len(versions), versions
    assert versions == sorted(versions)  # it only ever moves on
