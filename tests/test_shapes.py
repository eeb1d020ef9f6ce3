"""Real-extract shapes (clustering.synth.shapes): each shape's defining property,
no orphans, the exact Kaggle layout copied through from the source, and the
same bytes every time. File level only (no dbt), to stay fast."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from clustering.synth import generate
from clustering.synth import tables as t
from clustering.synth.days import records
from clustering.synth.shapes import SHAPES, generate_shape, one_month, single_state, write_shape

# 0.02 holds ~2 k orders: 152 purchased in 2017-11 and ~1.9 k people, enough
# for one_month and population_150.
SCALE = 0.02
SEED = 7
# Files no shape changes.
ALWAYS_WHOLE = (t.PRODUCTS, t.SELLERS, t.TRANSLATION)


@pytest.fixture(scope="session")
def shapes_source(tmp_path_factory) -> Path:
    """The complete generated dataset every shape is cut from."""
    root = tmp_path_factory.mktemp("shapes-source")
    generate(root, scale=SCALE, seed=SEED)
    return root


@pytest.fixture(scope="session")
def shaped(shapes_source, tmp_path_factory) -> dict[str, tuple[Path, dict[str, int]]]:
    """Every shape, written once: name -> (folder, records written per file)."""
    root = tmp_path_factory.mktemp("shapes")
    return {name: (root / name, write_shape(name, shapes_source, root / name)) for name in SHAPES}


def _frame(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _orders_with_people(folder: Path) -> pd.DataFrame:
    return _frame(folder, t.ORDERS).merge(
        _frame(folder, t.CUSTOMERS), on="customer_id", how="left", validate="many_to_one"
    )


def _texts(path: Path) -> list[str]:
    return [text for _, text in records(path)]


@pytest.mark.parametrize("name", list(SHAPES))
def test_every_file_has_the_kaggle_header_and_the_counted_rows(shaped, shapes_source, name):
    folder, written = shaped[name]
    assert list(written) == list(t.FILES)
    for file in t.FILES:
        (header, header_text), *rest = records(folder / file)
        assert [column.removeprefix("\ufeff") for column in header] == list(t.HEADERS[file])
        assert header_text == _texts(shapes_source / file)[0], file
        assert len(rest) == written[file] == len(_frame(folder, file)), file


@pytest.mark.parametrize("name", list(SHAPES))
def test_records_are_the_source_text_in_source_order(shaped, shapes_source, name):
    """Kept records are copied through (quoting, line endings), never re-written;
    only geolocation_no_match's moved prefixes differ."""
    folder, _ = shaped[name]
    for file in t.FILES:
        if (name, file) == ("geolocation_no_match", t.GEOLOCATION):
            continue
        source = iter(_texts(shapes_source / file))
        for text in _texts(folder / file):
            assert text in source, (file, text)  # consumes the iterator: a subsequence


@pytest.mark.parametrize("name", list(SHAPES))
def test_no_orphans_and_no_customer_without_order(shaped, name):
    folder, _ = shaped[name]
    orders = _frame(folder, t.ORDERS)
    order_ids = set(orders["order_id"])
    for file in (t.ITEMS, t.PAYMENTS, t.REVIEWS):
        assert set(_frame(folder, file)["order_id"]) <= order_ids, file
    assert set(_frame(folder, t.CUSTOMERS)["customer_id"]) == set(orders["customer_id"])
    items = _frame(folder, t.ITEMS)
    assert set(items["product_id"]) <= set(_frame(folder, t.PRODUCTS)["product_id"])
    assert set(items["seller_id"]) <= set(_frame(folder, t.SELLERS)["seller_id"])


@pytest.mark.parametrize("name", list(SHAPES))
def test_dimension_files_stay_whole(shaped, shapes_source, name):
    folder, _ = shaped[name]
    whole = ALWAYS_WHOLE
    if name not in ("sparse_coverage", "sparse_reviews_and_locations", "geolocation_no_match"):
        whole += (t.GEOLOCATION,)
    for file in whole:
        assert (folder / file).read_bytes() == (shapes_source / file).read_bytes(), file


def test_sparse_reviews_and_locations_keeps_every_item(shaped, shapes_source):
    folder, _ = shaped["sparse_reviews_and_locations"]
    assert (folder / t.ITEMS).read_bytes() == (shapes_source / t.ITEMS).read_bytes()
    orders = _frame(folder, t.ORDERS)
    assert 0.03 <= _frame(folder, t.REVIEWS)["order_id"].nunique() / len(orders) <= 0.07
    whole = _frame(shapes_source, t.GEOLOCATION)["geolocation_zip_code_prefix"].nunique()
    located = _frame(folder, t.GEOLOCATION)["geolocation_zip_code_prefix"].nunique()
    assert 0 < located < 0.5 * whole


def test_one_month_holds_only_that_month(shaped, shapes_source):
    folder, written = shaped["one_month"]
    purchased = pd.to_datetime(_frame(folder, t.ORDERS)["order_purchase_timestamp"])
    assert set(purchased.dt.strftime("%Y-%m")) == {"2017-11"}
    assert written[t.ORDERS] > 100
    every = pd.to_datetime(_frame(shapes_source, t.ORDERS)["order_purchase_timestamp"])
    assert written[t.ORDERS] == (every.dt.strftime("%Y-%m") == "2017-11").sum()


def test_one_month_takes_another_month_and_refuses_a_bad_one(shapes_source, tmp_path):
    written = one_month(shapes_source, tmp_path / "march", month="2018-03")
    purchased = _frame(tmp_path / "march", t.ORDERS)["order_purchase_timestamp"]
    assert written[t.ORDERS] > 0 and purchased.str.startswith("2018-03-").all()
    with pytest.raises(ValueError, match="YYYY-MM"):
        one_month(shapes_source, tmp_path / "bad", month="November")
    with pytest.raises(ValueError, match="no order purchased in 2030-01"):
        one_month(shapes_source, tmp_path / "empty", month="2030-01")


def test_sparse_coverage_covers_about_five_percent(shaped, shapes_source):
    folder, written = shaped["sparse_coverage"]
    orders = _frame(folder, t.ORDERS)
    assert len(orders) == len(_frame(shapes_source, t.ORDERS))
    assert written[t.PAYMENTS] == len(_frame(shapes_source, t.PAYMENTS))
    items, reviews = _frame(folder, t.ITEMS), _frame(folder, t.REVIEWS)
    for frame in (items, reviews):
        assert 0.03 <= frame["order_id"].nunique() / len(orders) <= 0.07
    # Geolocation locates exactly the covered orders' buyers and sellers.
    covered = set(items["order_id"]) | set(reviews["order_id"])
    buyers = orders.loc[orders["order_id"].isin(covered), "customer_id"]
    customers = _frame(folder, t.CUSTOMERS)
    sellers = _frame(folder, t.SELLERS)
    reached = set(
        customers.loc[customers["customer_id"].isin(buyers), "customer_zip_code_prefix"]
    ) | set(sellers.loc[sellers["seller_id"].isin(items["seller_id"]), "seller_zip_code_prefix"])
    located = set(_frame(folder, t.GEOLOCATION)["geolocation_zip_code_prefix"])
    assert located == reached & set(
        _frame(shapes_source, t.GEOLOCATION)["geolocation_zip_code_prefix"]
    )


def test_reviews_header_only_is_one_line(shaped, shapes_source):
    folder, written = shaped["reviews_header_only"]
    text = (folder / t.REVIEWS).read_text(encoding="utf-8")
    assert text.count("\n") == 1 and text.endswith("\n")
    assert text == (shapes_source / t.REVIEWS).read_text(encoding="utf-8").splitlines(True)[0]
    assert written[t.REVIEWS] == 0
    assert written[t.ORDERS] == len(_frame(shapes_source, t.ORDERS))


def _used_prefixes(folder: Path) -> set[str]:
    return set(_frame(folder, t.CUSTOMERS)["customer_zip_code_prefix"]) | set(
        _frame(folder, t.SELLERS)["seller_zip_code_prefix"]
    )


def test_geolocation_no_match_locates_nobody(shaped, shapes_source):
    folder, written = shaped["geolocation_no_match"]
    geolocation = _frame(folder, t.GEOLOCATION)
    assert written[t.GEOLOCATION] == len(_frame(shapes_source, t.GEOLOCATION)) > 0
    prefixes = set(geolocation["geolocation_zip_code_prefix"])
    assert prefixes and not prefixes & _used_prefixes(folder)
    assert geolocation["geolocation_zip_code_prefix"].str.fullmatch(r"\d{5}").all()
    # Moved, not invented: same number of prefixes, every other field as it was.
    source = _frame(shapes_source, t.GEOLOCATION)
    assert len(prefixes) == source["geolocation_zip_code_prefix"].nunique()
    rest = [
        column for column in t.HEADERS[t.GEOLOCATION] if column != "geolocation_zip_code_prefix"
    ]
    pd.testing.assert_frame_equal(geolocation[rest], source[rest])


def test_geolocation_no_match_keeps_the_real_rows_of_unused_prefixes(shapes_source, tmp_path):
    """When the source lists prefixes nobody uses, those rows are the file."""
    source = tmp_path / "source"
    shutil.copytree(shapes_source, source)
    unused = next(f"{n:05d}" for n in range(100_000) if f"{n:05d}" not in _used_prefixes(source))
    extra = f'"{unused}",-23.5,-46.6,sao paulo,SP\n'
    with (source / t.GEOLOCATION).open("a", encoding="utf-8", newline="") as handle:
        handle.write(extra)
    written = write_shape("geolocation_no_match", source, tmp_path / "shape")
    assert written[t.GEOLOCATION] == 1
    assert _texts(tmp_path / "shape" / t.GEOLOCATION)[1:] == [extra]


def test_population_150_has_exactly_150_people_with_all_their_orders(shaped, shapes_source):
    folder, _ = shaped["population_150"]
    people = set(_orders_with_people(folder)["customer_unique_id"])
    assert len(people) == 150
    everyone = _orders_with_people(shapes_source)
    theirs = everyone.loc[everyone["customer_unique_id"].isin(people), "order_id"]
    assert set(theirs) == set(_frame(folder, t.ORDERS)["order_id"])


def test_single_state_has_one_state(shaped, shapes_source, tmp_path):
    folder, written = shaped["single_state"]
    assert set(_orders_with_people(folder)["customer_state"]) == {"SP"}
    source = _frame(shapes_source, t.CUSTOMERS)
    assert written[t.CUSTOMERS] == (source["customer_state"] == "SP").sum()
    single_state(shapes_source, tmp_path / "rj", state="RJ")
    assert set(_frame(tmp_path / "rj", t.CUSTOMERS)["customer_state"]) == {"RJ"}


def test_one_time_buyers_keeps_each_persons_first_order(shaped, shapes_source):
    folder, _ = shaped["one_time_buyers"]
    people = _orders_with_people(folder)["customer_unique_id"]
    assert people.notna().all() and people.is_unique
    everyone = _orders_with_people(shapes_source)
    assert people.nunique() == everyone["customer_unique_id"].nunique()
    assert everyone["customer_unique_id"].duplicated().any()  # the source has repeat buyers
    first = everyone.sort_values(["order_purchase_timestamp", "order_id"]).drop_duplicates(
        "customer_unique_id"
    )
    assert set(first["order_id"]) == set(_frame(folder, t.ORDERS)["order_id"])


@pytest.mark.parametrize("name", list(SHAPES))
def test_the_same_source_gives_the_same_bytes(shaped, shapes_source, tmp_path, name):
    folder, _ = shaped[name]
    write_shape(name, shapes_source, tmp_path)
    for file in t.FILES:
        assert (tmp_path / file).read_bytes() == (folder / file).read_bytes(), file


def test_generate_shape_generates_then_cuts(tmp_path):
    written = generate_shape("reviews_header_only", tmp_path, scale=0.003, seed=5)
    assert written[t.REVIEWS] == 0 and written[t.ORDERS] > 0
    assert written[t.ORDERS] == len(_frame(tmp_path, t.ORDERS))


def test_unknown_shapes_and_folders_are_refused(shapes_source, tmp_path):
    with pytest.raises(ValueError, match="known shapes: one_month, sparse_coverage"):
        write_shape("two_months", shapes_source, tmp_path)
    with pytest.raises(ValueError, match="unknown shape"):
        generate_shape("two_months", tmp_path, scale=0.003, seed=5)
    with pytest.raises(FileNotFoundError, match="expected the nine Kaggle files"):
        write_shape("one_month", tmp_path, tmp_path / "out")
    with pytest.raises(ValueError, match="another folder"):
        write_shape("one_month", shapes_source, shapes_source)
