"""Pandas reference implementation of the warehouse marts, the benchmark's baseline.

What a competent engineer would write without dbt: read the nine Olist CSV
files with pandas and compute, with the policies the dbt project documents
(models/docs/policies.md), the same rows and values as `marts.fct_orders`,
`marts.fct_customer_rfm` and `marts.fct_customer_features` (every column of
the three). Hex ids are re-keyed with `pd.factorize`; the business parameters
(status and payment policies, states and regions, RFM rules, frequency
thresholds, Brazil's bounding box, the plausible timestamp window) are read
from the project's seeds and `dbt_project.yml` vars, so both sides follow one
configuration.

    .venv/bin/python benchmarks/pandas_reference.py --input data/olist
    .venv/bin/python benchmarks/pandas_reference.py --input DIR --warehouse FILE --out DIR

`build_marts` is the timed step (the benchmark driver calls it in its own
process); `compare` checks its output against a built warehouse. Rows with a
reject reason are left out exactly as staging leaves them out, but the audit
tables are not written: only the marts are the baseline's job.

Integer keys equal the warehouse's for a warehouse whose key maps were first
built from the same input (keys 1..N follow the sorted hex ids there, as
`factorize(sort=True)` numbers them here); key maps grown over earlier inputs
keep older numbers, so `compare(..., check_keys=False)` then compares on the
hex ids alone.
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from clustering.synth.tables import HEADERS

REPO = Path(__file__).resolve().parent.parent

MARTS = ("fct_orders", "fct_customer_rfm", "fct_customer_features")
# The hex id that identifies a row of each mart (the marts hold one as-of date).
ROW_IDS = {
    "fct_orders": "order_id",
    "fct_customer_rfm": "customer_unique_id",
    "fct_customer_features": "customer_unique_id",
}

# No row check reads the city columns or geolocation_state, and every file has
# a required column, so a blank record is rejected whether or not those columns
# are read: leaving them out changes no accepted row and saves most of the
# memory of the geolocation file.
UNREAD_COLUMNS = frozenset(
    {"customer_city", "seller_city", "geolocation_city", "geolocation_state"}
)
FILES: dict[str, tuple[str, tuple[str, ...]]] = {
    # Table name (the file without olist_ and _dataset) -> file, columns read.
    file.removeprefix("olist_").removesuffix(".csv").removesuffix("_dataset"): (
        file,
        tuple(column for column in header if column not in UNREAD_COLUMNS),
    )
    for file, header in HEADERS.items()
}

HEX_ID = r"[0-9a-f]{32}"
ZIP_PREFIX = r"[0-9]{1,5}"
INTEGER = r"-?[0-9]+"
TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%m/%d/%Y %H:%M")
INT32_MAX = 2**31 - 1
# decimal(18, 2) holds 16 digits before the point.
AMOUNT_LIMIT = 1e16
EARTH_RADIUS_KM = 6371.0088
PAYMENT_SHARE_TYPES = ("credit_card", "boleto", "voucher", "debit_card")


@dataclass(frozen=True)
class Policy:
    """The business parameters the dbt models read from seeds and vars."""

    order_statuses: frozenset[str]
    purchase_statuses: frozenset[str]
    payment_types: frozenset[str]
    regions: dict[str, str]
    rfm_rules: pd.DataFrame
    frequency_thresholds: tuple[int, ...]
    bbox: dict[str, float]
    valid_from: pd.Timestamp
    valid_until: pd.Timestamp


def load_policy(project_dir: Path = REPO) -> Policy:
    """Seeds and vars of the dbt project at `project_dir`."""
    seeds = project_dir / "seeds"
    statuses = pd.read_csv(seeds / "order_status_policy.csv", dtype=str)
    payments = pd.read_csv(seeds / "payment_type_policy.csv", dtype=str)
    states = pd.read_csv(seeds / "brazil_states.csv", dtype=str, keep_default_na=False)
    rules = pd.read_csv(seeds / "rfm_segment_rules.csv").sort_values("priority")
    variables = yaml.safe_load((project_dir / "dbt_project.yml").read_text())["vars"]
    return Policy(
        order_statuses=frozenset(statuses["order_status"]),
        purchase_statuses=frozenset(
            statuses.loc[statuses["is_purchase"].str.lower() == "true", "order_status"]
        ),
        payment_types=frozenset(payments["payment_type"]),
        regions=dict(zip(states["state_code"], states["region"], strict=True)),
        rfm_rules=rules,
        frequency_thresholds=tuple(int(t) for t in variables["rfm_frequency_thresholds"]),
        bbox={name: float(value) for name, value in variables["brazil_bbox"].items()},
        valid_from=pd.Timestamp(variables["timestamp_valid_from"]),
        valid_until=pd.Timestamp(variables["timestamp_valid_until"]),
    )


# --------------------------------------------------------------------------
# Reading and row checks (what staging accepts)
# --------------------------------------------------------------------------


def read_file(input_dir: Path, table: str) -> pd.DataFrame:
    """One Olist file as trimmed text, empty fields as missing."""
    file_name, columns = FILES[table]
    path = input_dir / file_name
    try:
        frame = pd.read_csv(
            path,
            usecols=list(columns),
            dtype=str,
            na_filter=False,
            encoding="utf-8-sig",
        )
    except ValueError as error:
        raise ValueError(f"{path}: {error}; expected columns {', '.join(columns)}") from error
    for column in frame.columns:
        # DuckDB's trim() strips spaces only, not tabs or line breaks.
        text = frame[column].str.strip(" ")
        frame[column] = text.where(text != "")
    return frame


def _is_hex_id(text: pd.Series) -> pd.Series:
    return text.str.fullmatch(HEX_ID).fillna(False).astype(bool)


def _zip_prefix(text: pd.Series) -> pd.Series:
    """Padded to five digits; missing unless 1-5 digits."""
    return text.where(text.str.fullmatch(ZIP_PREFIX).fillna(False).astype(bool)).str.zfill(5)


def _integer(text: pd.Series) -> pd.Series:
    """A 32-bit whole number as float (NaN when missing or not one)."""
    digits = text.where(text.str.fullmatch(INTEGER).fillna(False).astype(bool))
    value = pd.to_numeric(digits, errors="coerce").astype("float64")
    return value.where(value.abs() <= INT32_MAX)


def _round_half_away(values: np.ndarray | pd.Series) -> np.ndarray:
    """Round to whole numbers, halves away from zero, as DuckDB casts to decimal."""
    values = np.asarray(values, dtype="float64")
    whole = np.trunc(values)
    return whole + np.where(np.abs(values - whole) >= 0.5, np.sign(values), 0.0)


def _amount(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """R$ text as (is valid, cents); valid means a finite number >= 0 within decimal(18, 2)."""
    value = pd.to_numeric(text, errors="coerce").astype("float64")
    valid = value.notna() & np.isfinite(value) & (value >= 0) & (value < AMOUNT_LIMIT)
    cents = pd.Series(
        _round_half_away(value.where(valid, 0.0) * 100).astype("int64"), index=text.index
    )
    return valid, cents


def _timestamp(text: pd.Series) -> pd.Series:
    """Parsed with the three accepted forms; NaT when none fits."""
    parsed = pd.to_datetime(text, format=TIMESTAMP_FORMATS[0], errors="coerce")
    for form in TIMESTAMP_FORMATS[1:]:
        left = parsed.isna() & text.notna()
        if not left.any():
            break
        parsed[left] = pd.to_datetime(text[left], format=form, errors="coerce")
    return parsed


def _bad_timestamp(text: pd.Series, parsed: pd.Series, policy: Policy) -> pd.Series:
    """Present but unparsable, or outside the plausible window."""
    unparsable = text.notna() & parsed.isna()
    return unparsable | (parsed < policy.valid_from) | (parsed >= policy.valid_until)


def _keep_first_of_key(frame: pd.DataFrame, good: pd.Series, key: list[str]) -> pd.Series:
    """Good rows minus later repeats of a good row's key (the first in file order stays)."""
    repeated = frame.loc[good, key].duplicated(keep="first")
    return good & ~repeated.reindex(frame.index, fill_value=False)


def _accepted(frame: pd.DataFrame, good: pd.Series) -> pd.DataFrame:
    return frame.loc[good].reset_index(drop=True)


def _stage_customers(frame: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    zip_prefix = _zip_prefix(frame["customer_zip_code_prefix"])
    state = frame["customer_state"].str.upper()
    good = (
        _is_hex_id(frame["customer_id"])
        & _is_hex_id(frame["customer_unique_id"])
        & zip_prefix.notna()
        & state.isin(policy.regions)
    )
    good = _keep_first_of_key(frame, good, ["customer_id"])
    typed = pd.DataFrame(
        {
            "customer_id": frame["customer_id"],
            "customer_unique_id": frame["customer_unique_id"],
            "customer_zip_code_prefix": zip_prefix,
            "customer_state": state,
        }
    )
    return _accepted(typed, good)


def _stage_products(frame: pd.DataFrame) -> pd.DataFrame:
    good = _is_hex_id(frame["product_id"])
    for column in FILES["products"][1][2:]:
        good &= frame[column].isna() | (_integer(frame[column]) >= 0)
    good = _keep_first_of_key(frame, good, ["product_id"])
    typed = pd.DataFrame(
        {
            "product_id": frame["product_id"],
            "product_category_name": frame["product_category_name"].str.lower(),
        }
    )
    return _accepted(typed, good)


def _stage_sellers(frame: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    zip_prefix = _zip_prefix(frame["seller_zip_code_prefix"])
    good = (
        _is_hex_id(frame["seller_id"])
        & zip_prefix.notna()
        & frame["seller_state"].str.upper().isin(policy.regions)
    )
    good = _keep_first_of_key(frame, good, ["seller_id"])
    typed = pd.DataFrame({"seller_id": frame["seller_id"], "seller_zip_code_prefix": zip_prefix})
    return _accepted(typed, good)


def _stage_translation(frame: pd.DataFrame) -> pd.DataFrame:
    category = frame["product_category_name"].str.lower()
    english = frame["product_category_name_english"].str.lower()
    typed = pd.DataFrame({"product_category_name": category, "english": english})
    good = _keep_first_of_key(typed, category.notna() & english.notna(), ["product_category_name"])
    return _accepted(typed, good)


def _stage_geolocation(frame: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Points outside Brazil's box stay, flagged; only unreadable ones are rejected."""
    zip_prefix = _zip_prefix(frame["geolocation_zip_code_prefix"])
    latitude = pd.to_numeric(frame["geolocation_lat"], errors="coerce").astype("float64")
    longitude = pd.to_numeric(frame["geolocation_lng"], errors="coerce").astype("float64")
    good = zip_prefix.notna() & (latitude.abs() <= 90) & (longitude.abs() <= 180)
    bbox = policy.bbox
    typed = pd.DataFrame(
        {
            "zip_code_prefix": zip_prefix,
            "latitude": latitude,
            "longitude": longitude,
            "is_in_brazil": latitude.between(bbox["lat_min"], bbox["lat_max"])
            & longitude.between(bbox["lng_min"], bbox["lng_max"]),
        }
    )
    return _accepted(typed, good)


def _stage_orders(frame: pd.DataFrame, customer_ids: pd.Series, policy: Policy) -> pd.DataFrame:
    status = frame["order_status"].str.lower()
    times = {
        "purchased_at": "order_purchase_timestamp",
        "approved_at": "order_approved_at",
        "delivered_to_carrier_at": "order_delivered_carrier_date",
        "delivered_to_customer_at": "order_delivered_customer_date",
        "estimated_delivery_at": "order_estimated_delivery_date",
    }
    parsed = {name: _timestamp(frame[column]) for name, column in times.items()}
    good = (
        _is_hex_id(frame["order_id"])
        & _is_hex_id(frame["customer_id"])
        & status.isin(policy.order_statuses)
        & parsed["purchased_at"].notna()
    )
    for name, column in times.items():
        good &= ~_bad_timestamp(frame[column], parsed[name], policy)
    good = _keep_first_of_key(frame, good, ["order_id"])
    good &= frame["customer_id"].isin(customer_ids)
    typed = pd.DataFrame(
        {
            "order_id": frame["order_id"],
            "customer_id": frame["customer_id"],
            "order_status": status,
            **parsed,
        }
    )
    return _accepted(typed, good)


def _stage_items(
    frame: pd.DataFrame, staged: dict[str, pd.DataFrame], policy: Policy
) -> pd.DataFrame:
    item_number = _integer(frame["order_item_id"])
    price_valid, price = _amount(frame["price"])
    freight_valid, freight = _amount(frame["freight_value"])
    shipping = _timestamp(frame["shipping_limit_date"])
    good = (
        _is_hex_id(frame["order_id"])
        & (item_number >= 1)
        & _is_hex_id(frame["product_id"])
        & _is_hex_id(frame["seller_id"])
        & ~_bad_timestamp(frame["shipping_limit_date"], shipping, policy)
        & price_valid
        & freight_valid
    )
    typed = pd.DataFrame(
        {
            "order_id": frame["order_id"],
            "order_item_id": item_number,
            "product_id": frame["product_id"],
            "seller_id": frame["seller_id"],
            "price_cents": price,
            "freight_cents": freight,
        }
    )
    good = _keep_first_of_key(typed, good, ["order_id", "order_item_id"])
    good &= (
        frame["order_id"].isin(staged["orders"]["order_id"])
        & frame["product_id"].isin(staged["products"]["product_id"])
        & frame["seller_id"].isin(staged["sellers"]["seller_id"])
    )
    return _accepted(typed, good)


def _stage_payments(frame: pd.DataFrame, order_ids: pd.Series, policy: Policy) -> pd.DataFrame:
    sequential = _integer(frame["payment_sequential"])
    payment_type = frame["payment_type"].str.lower()
    installments = _integer(frame["payment_installments"])
    value_valid, value = _amount(frame["payment_value"])
    good = (
        _is_hex_id(frame["order_id"])
        & (sequential >= 1)
        & payment_type.isin(policy.payment_types)
        & (installments >= 0)
        & value_valid
    )
    typed = pd.DataFrame(
        {
            "order_id": frame["order_id"],
            "payment_sequential": sequential,
            "payment_type": payment_type,
            "payment_installments": installments,
            "payment_value_cents": value,
        }
    )
    good = _keep_first_of_key(typed, good, ["order_id", "payment_sequential"])
    good &= frame["order_id"].isin(order_ids)
    return _accepted(typed, good)


def _stage_reviews(frame: pd.DataFrame, order_ids: pd.Series, policy: Policy) -> pd.DataFrame:
    score = _integer(frame["review_score"])
    created = _timestamp(frame["review_creation_date"])
    answered = _timestamp(frame["review_answer_timestamp"])
    good = (
        _is_hex_id(frame["review_id"])
        & _is_hex_id(frame["order_id"])
        & score.between(1, 5)
        & ~_bad_timestamp(frame["review_creation_date"], created, policy)
        & ~_bad_timestamp(frame["review_answer_timestamp"], answered, policy)
    )
    good = _keep_first_of_key(frame, good, ["review_id", "order_id"])
    good &= frame["order_id"].isin(order_ids)
    typed = pd.DataFrame(
        {
            "review_id": frame["review_id"],
            "order_id": frame["order_id"],
            "review_score": score,
            "has_review_comment": frame["review_comment_title"].notna()
            | frame["review_comment_message"].notna(),
            "review_created_at": created,
            "review_answered_at": answered,
        }
    )
    return _accepted(typed, good)


def stage(input_dir: Path, policy: Policy) -> dict[str, pd.DataFrame]:
    """The rows staging accepts, typed: the reject rules of docs block
    `reject_reasons` decide which rows count (the reasons themselves are not
    kept): row checks, then the first good row of a key, then parents that
    exist. Money is in integer cents, so sums are exact like decimal(18, 2).
    Files are read one at a time, parents first, so only one raw file is in
    memory at once."""

    def read(table: str) -> pd.DataFrame:
        return read_file(input_dir, table)

    staged = {
        "customers": _stage_customers(read("customers"), policy),
        "products": _stage_products(read("products")),
        "sellers": _stage_sellers(read("sellers"), policy),
        "translation": _stage_translation(read("product_category_name_translation")),
        "geolocation": _stage_geolocation(read("geolocation"), policy),
    }
    staged["orders"] = _stage_orders(read("orders"), staged["customers"]["customer_id"], policy)
    order_ids = staged["orders"]["order_id"]
    staged["order_items"] = _stage_items(read("order_items"), staged, policy)
    staged["order_payments"] = _stage_payments(read("order_payments"), order_ids, policy)
    staged["order_reviews"] = _stage_reviews(read("order_reviews"), order_ids, policy)
    return staged


# --------------------------------------------------------------------------
# Order-level facts
# --------------------------------------------------------------------------


def _keys(ids: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes 0..N-1 in sorted hex order (key = code + 1) and the sorted ids."""
    codes, uniques = pd.factorize(ids, sort=True)
    return codes, pd.Index(uniques)


def _haversine_km(
    lat1: np.ndarray, lng1: np.ndarray, lat2: np.ndarray, lng2: np.ndarray
) -> np.ndarray:
    """Great-circle km, the formula and radius of macros/geo/haversine_km.sql."""
    half_lat = np.sin(np.radians(lat2 - lat1) / 2)
    half_lng = np.sin(np.radians(lng2 - lng1) / 2)
    chord = half_lat**2 + np.cos(np.radians(lat1)) * np.cos(np.radians(lat2)) * half_lng**2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(chord))


def _first_per_group(
    frame: pd.DataFrame, group: str, by: list[str], ascending: list[bool]
) -> pd.DataFrame:
    """The first row of each group in the given order (a window's row_number() = 1)."""
    ordered = frame.sort_values([group, *by], ascending=[True, *ascending], na_position="last")
    return ordered.drop_duplicates(group, keep="first").set_index(group)


def _product_categories(staged: dict[str, pd.DataFrame]) -> tuple[np.ndarray, pd.Index]:
    """Per staged product, the code of its category name (codes in alphabetical
    order) and the names: English, untranslated ones in Portuguese, else
    'uncategorised' (docs block `category_policy`)."""
    products = staged["products"]
    translation = staged["translation"].set_index("product_category_name")["english"]
    category = (
        products["product_category_name"]
        .map(translation)
        .fillna(products["product_category_name"])
        .fillna("uncategorised")
    )
    return _keys(category)


def _items_to_orders(lines: pd.DataFrame) -> pd.DataFrame:
    """Item lines (order, product, seller, category codes and cents) aggregated to
    the order code; the main category is the one of the highest item value, ties
    alphabetical (category codes follow the names' order)."""
    totals = lines.groupby("order").agg(
        count_item_lines=("price_cents", "size"),
        items_value_cents=("price_cents", "sum"),
        freight_cents=("freight_cents", "sum"),
    )
    totals["count_distinct_products"] = (
        lines.drop_duplicates(["order", "product"]).groupby("order").size()
    )
    totals["count_distinct_sellers"] = (
        lines.drop_duplicates(["order", "seller"]).groupby("order").size()
    )
    category_value = lines.groupby(["order", "category"], as_index=False)["price_cents"].sum()
    totals["main_category_code"] = _first_per_group(
        category_value, "order", ["price_cents", "category"], [False, True]
    )["category"]
    return totals


def _payments_to_orders(paid: pd.DataFrame, type_names: pd.Index) -> pd.DataFrame:
    """Payment rows (order and type codes, installments, cents) aggregated to the
    order code, before anything meets the items (docs block `money_policy`)."""
    totals = paid.groupby("order").agg(
        count_payments=("value_cents", "size"),
        payment_total_cents=("value_cents", "sum"),
        max_installments=("installments", "max"),
    )
    type_value = paid.groupby(["order", "type"], as_index=False)["value_cents"].sum()
    names = np.asarray(type_names, dtype=object)
    main_type = _first_per_group(type_value, "order", ["value_cents", "type"], [False, True])
    totals["main_payment_type"] = pd.Series(names[main_type["type"].to_numpy()], main_type.index)
    # An order's sorted list of types, through a bit mask: there are only a few types.
    masks = (
        type_value.assign(bit=np.left_shift(1, type_value["type"].to_numpy()))
        .groupby("order")["bit"]
        .sum()
    )
    listing = {
        mask: ",".join(names[[code for code in range(len(names)) if mask >> code & 1]])
        for mask in masks.unique()
    }
    totals["payment_types"] = masks.map(listing)
    per_type = type_value.pivot(index="order", columns="type", values="value_cents")
    for name in PAYMENT_SHARE_TYPES:
        if name in type_names:
            totals[f"paid_{name}_cents"] = per_type[type_names.get_loc(name)]
        else:
            totals[f"paid_{name}_cents"] = 0
    # Any voucher row counts, even one of R$ 0.
    voucher = type_names.get_loc("voucher") if "voucher" in type_names else -1
    totals["has_voucher"] = totals.index.isin(
        type_value.loc[type_value["type"] == voucher, "order"]
    )
    return totals


def _zip_centroids(geolocation: pd.DataFrame) -> pd.DataFrame:
    """Median latitude and longitude of each zip prefix's points inside Brazil."""
    inside = geolocation.loc[geolocation["is_in_brazil"]]
    return inside.groupby("zip_code_prefix")[["latitude", "longitude"]].median()


def _order_distances(
    order_sellers: pd.DataFrame, buyer_zip: np.ndarray, seller_zip: np.ndarray, centroids
) -> pd.Series:
    """Per order code, the mean km from the buyer's zip to each distinct seller's
    zip that can be located (docs block `distance_policy`)."""
    buyer = centroids.reindex(buyer_zip[order_sellers["order"].to_numpy()])
    seller = centroids.reindex(seller_zip[order_sellers["seller"].to_numpy()])
    distances = pd.Series(
        _haversine_km(
            buyer["latitude"].to_numpy(),
            buyer["longitude"].to_numpy(),
            seller["latitude"].to_numpy(),
            seller["longitude"].to_numpy(),
        ),
        index=order_sellers["order"].to_numpy(),
    )
    return distances.groupby(level=0).mean()


def _orders_joined(
    staged: dict[str, pd.DataFrame], category_code: np.ndarray, policy: Policy
) -> pd.DataFrame:
    """One row per staged order, indexed by order code: keys, buyer, status and
    the item, payment and distance aggregates (int_orders_joined_to_customers_and_aggregates). Main
    categories are codes into the names of `_product_categories`."""
    orders, customers = staged["orders"], staged["customers"]
    items, payments = staged["order_items"], staged["order_payments"]
    products, sellers = staged["products"], staged["sellers"]

    # Re-keying: the staged ids are unique, so factorize numbers them 0..N-1 in
    # hex order and get_indexer turns every foreign hex id into its parent's
    # position (never -1: staging dropped orphans).
    order_code, order_ids = _keys(orders["order_id"])
    customer_code, _ = _keys(customers["customer_id"])
    person_code, _ = _keys(customers["customer_unique_id"])
    _, product_ids = _keys(products["product_id"])
    _, seller_ids = _keys(sellers["seller_id"])
    customer_row = pd.Index(customers["customer_id"]).get_indexer(orders["customer_id"])

    frame = pd.DataFrame(
        {
            "order_id": orders["order_id"].to_numpy(),
            "customer_code": customer_code[customer_row],
            "customer_id": orders["customer_id"].to_numpy(),
            "person_code": person_code[customer_row],
            **{
                column: customers[column].to_numpy()[customer_row]
                for column in ("customer_unique_id", "customer_zip_code_prefix", "customer_state")
            },
            **{
                column: orders[column].to_numpy()
                for column in (
                    "order_status",
                    "purchased_at",
                    "approved_at",
                    "delivered_to_carrier_at",
                    "delivered_to_customer_at",
                    "estimated_delivery_at",
                )
            },
        },
        index=pd.Index(order_code, name="order_code"),
    ).sort_index()
    frame["is_purchase_status"] = frame["order_status"].isin(policy.purchase_statuses)

    product_category = np.empty(len(product_ids), dtype="int64")
    product_category[product_ids.get_indexer(products["product_id"])] = category_code
    item_product = product_ids.get_indexer(items["product_id"])
    lines = pd.DataFrame(
        {
            "order": order_ids.get_indexer(items["order_id"]),
            "product": item_product,
            "seller": seller_ids.get_indexer(items["seller_id"]),
            "category": product_category[item_product],
            "price_cents": items["price_cents"].to_numpy(),
            "freight_cents": items["freight_cents"].to_numpy(),
        }
    )
    type_code, type_names = _keys(payments["payment_type"])
    paid = pd.DataFrame(
        {
            "order": order_ids.get_indexer(payments["order_id"]),
            "type": type_code,
            "installments": payments["payment_installments"].to_numpy(),
            "value_cents": payments["payment_value_cents"].to_numpy(),
        }
    )
    frame = frame.join(_items_to_orders(lines)).join(_payments_to_orders(paid, type_names))

    seller_zip = np.empty(len(seller_ids), dtype=object)
    seller_zip[seller_ids.get_indexer(sellers["seller_id"])] = sellers["seller_zip_code_prefix"]
    frame["distance_km"] = _order_distances(
        lines[["order", "seller"]].drop_duplicates(),
        frame["customer_zip_code_prefix"].to_numpy(),
        seller_zip,
        _zip_centroids(staged["geolocation"]),
    )

    # Orders without items or payments: zero counts and money, no types.
    counts = ("count_item_lines", "count_distinct_products", "count_distinct_sellers")
    for column in (*counts, "count_payments"):
        frame[column] = frame[column].fillna(0).astype("int32")
    cents = [column for column in frame.columns if column.endswith("_cents")]
    frame[cents] = frame[cents].fillna(0).astype("int64")
    frame["has_voucher"] = frame["has_voucher"].astype("boolean").fillna(False).astype(bool)
    frame["max_installments"] = frame["max_installments"].astype("Int32")
    frame["order_key"] = (frame.index.to_numpy() + 1).astype("uint32")
    frame["customer_key"] = (frame["customer_code"] + 1).astype("uint32")
    frame["customer_unique_key"] = (frame["person_code"] + 1).astype("uint32")
    return frame


def default_as_of_date(orders: pd.DataFrame) -> pd.Timestamp:
    """The purchase date of the last real purchase (docs block `as_of_policy`)."""
    real = orders["is_purchase_status"] & (orders["count_item_lines"] > 0)
    return orders.loc[real, "purchased_at"].max().normalize()


def _order_reviews(
    reviews: pd.DataFrame, order_ids: pd.Index, cutoff: pd.Timestamp
) -> pd.DataFrame:
    """The review of each order known at the cutoff (docs block `review_policy`):
    answered last (creation date when unanswered), then created last, then the
    greatest review id."""
    answered = reviews["review_answered_at"].fillna(reviews["review_created_at"])
    known = answered < cutoff
    review_code, _ = _keys(reviews["review_id"])
    ranked = pd.DataFrame(
        {
            "order": order_ids.get_indexer(reviews["order_id"]),
            "answered": answered,
            "created": reviews["review_created_at"],
            "review": review_code,
            "review_score": reviews["review_score"],
            "has_review_comment": reviews["has_review_comment"],
        }
    ).loc[known]
    return _first_per_group(ranked, "order", ["answered", "created", "review"], [False] * 3)


def _fct_orders(
    joined: pd.DataFrame, reviews: pd.DataFrame, category_names: pd.Index, as_of: pd.Timestamp
) -> pd.DataFrame:
    """marts.fct_orders: every order purchased before the cutoff, as known then."""
    cutoff = as_of + pd.Timedelta(days=1)
    orders = joined.loc[joined["purchased_at"] < cutoff]
    review = _order_reviews(reviews, pd.Index(joined["order_id"]), cutoff).reindex(orders.index)

    def known(column: str) -> pd.Series:
        return orders[column].where(orders[column] < cutoff)

    approved, carrier, delivered = (
        known("approved_at"),
        known("delivered_to_carrier_at"),
        known("delivered_to_customer_at"),
    )
    purchased, estimated = orders["purchased_at"], orders["estimated_delivery_at"]
    order_value_cents = orders["items_value_cents"] + orders["freight_cents"]
    review_score = review["review_score"].astype("Int32")
    main_category = orders["main_category_code"]
    main_category_name = pd.Series(
        np.asarray(category_names, dtype=object)[main_category.fillna(0).astype("int64")],
        index=orders.index,
        dtype="str",
    ).where(main_category.notna())
    fct = pd.DataFrame(
        {
            "as_of_date": as_of,
            "order_key": orders["order_key"],
            "order_id": orders["order_id"],
            "customer_key": orders["customer_key"],
            "customer_id": orders["customer_id"],
            "customer_unique_key": orders["customer_unique_key"],
            "customer_unique_id": orders["customer_unique_id"],
            "customer_zip_code_prefix": orders["customer_zip_code_prefix"],
            "customer_state": orders["customer_state"],
            "order_status": orders["order_status"],
            "is_purchase": orders["is_purchase_status"] & (orders["count_item_lines"] > 0),
            "purchased_at": purchased,
            "approved_at": approved,
            "delivered_to_carrier_at": carrier,
            "delivered_to_customer_at": delivered,
            "estimated_delivery_at": estimated,
            "count_item_lines": orders["count_item_lines"],
            "count_distinct_products": orders["count_distinct_products"],
            "count_distinct_sellers": orders["count_distinct_sellers"],
            "items_value_brl": orders["items_value_cents"] / 100,
            "freight_brl": orders["freight_cents"] / 100,
            "order_value_brl": order_value_cents / 100,
            "main_category_name": main_category_name,
            "count_payments": orders["count_payments"],
            "payment_total_brl": orders["payment_total_cents"] / 100,
            "payment_types": orders["payment_types"],
            "main_payment_type": orders["main_payment_type"],
            "max_installments": orders["max_installments"],
            **{
                f"paid_{name}_brl": orders[f"paid_{name}_cents"] / 100
                for name in PAYMENT_SHARE_TYPES
            },
            "has_voucher": orders["has_voucher"],
            "distance_km": orders["distance_km"],
            "review_score": review_score,
            "has_review_comment": review["has_review_comment"].fillna(False).astype(bool),
            "is_delivered": delivered.notna(),
            "days_to_deliver": (delivered - purchased).dt.total_seconds() / 86400.0,
            "days_late": (delivered - estimated).dt.total_seconds() / 86400.0,
            "is_late": delivered > estimated,
            "has_review": review_score.notna(),
            "has_distance": orders["distance_km"].notna(),
            "has_inconsistent_dates": (carrier < purchased) | (delivered < carrier),
        }
    )
    # Kept beside the mart's columns for the customer marts; dropped before output.
    fct["_person"] = orders["person_code"]
    fct["_order_value_cents"] = order_value_cents
    fct["_freight_cents"] = orders["freight_cents"]
    fct["_payment_total_cents"] = orders["payment_total_cents"]
    fct["_main_category_code"] = orders["main_category_code"]
    for name in PAYMENT_SHARE_TYPES:
        fct[f"_paid_{name}_cents"] = orders[f"paid_{name}_cents"]
    return fct.reset_index(drop=True)


# --------------------------------------------------------------------------
# Customer marts
# --------------------------------------------------------------------------


def _percent_rank_score(rank: pd.Series) -> pd.Series:
    """1 + floor(5 * percent_rank), capped at 5, from a min-method rank."""
    rows = len(rank)
    percent = (rank - 1) / (rows - 1) if rows > 1 else rank * 0.0
    return np.minimum(5, 1 + np.floor(5 * percent)).astype("int32")


def _fct_customer_rfm(purchases: pd.DataFrame, as_of: pd.Timestamp, policy: Policy) -> pd.DataFrame:
    """marts.fct_customer_rfm (docs block `rfm_policy`)."""
    people = purchases.groupby("_person").agg(
        customer_unique_key=("customer_unique_key", "first"),
        customer_unique_id=("customer_unique_id", "first"),
        first_order_at=("purchased_at", "min"),
        last_order_at=("purchased_at", "max"),
        count_orders=("purchased_at", "size"),
        total_spend_cents=("_order_value_cents", "sum"),
    )
    days_since_last = (as_of - people["last_order_at"].dt.normalize()).dt.days.astype("int32")
    days_since_first = (as_of - people["first_order_at"].dt.normalize()).dt.days.astype("int32")
    count_orders = people["count_orders"].astype("int32")
    # Exact half-up rounding to the cent in integers (macros/money/money_per_unit.sql).
    spend_cents = people["total_spend_cents"].astype("int64")
    avg_order_cents = (spend_cents * 2 + count_orders) // (2 * count_orders.astype("int64"))
    r_score = _percent_rank_score(days_since_last.rank(method="min", ascending=False))
    m_score = _percent_rank_score(people["total_spend_cents"].rank(method="min"))
    f_score = pd.Series(1, index=people.index, dtype="int32")
    for threshold in policy.frequency_thresholds:
        f_score += (count_orders >= threshold).astype("int32")

    group = pd.Series(pd.NA, index=people.index, dtype="str")
    for rule in policy.rfm_rules.itertuples():
        matches = (
            group.isna()
            & count_orders.between(rule.min_orders, rule.max_orders)
            & r_score.between(rule.min_r_score, rule.max_r_score)
            & m_score.between(rule.min_m_score, rule.max_m_score)
        )
        group = group.mask(matches, rule.rfm_group)

    return pd.DataFrame(
        {
            "as_of_date": as_of,
            "customer_unique_key": people["customer_unique_key"],
            "customer_unique_id": people["customer_unique_id"],
            "first_order_at": people["first_order_at"],
            "last_order_at": people["last_order_at"],
            "days_since_last_order": days_since_last,
            "days_since_first_order": days_since_first,
            "count_orders": count_orders,
            "total_spend_brl": people["total_spend_cents"] / 100,
            "avg_order_value_brl": avg_order_cents / 100,
            "r_score": r_score,
            "f_score": f_score,
            "m_score": m_score,
            "rfm_cell": r_score.astype(str) + f_score.astype(str) + m_score.astype(str),
            "rfm_group": group,
        }
    )


def _fct_customer_features(
    purchases: pd.DataFrame, rfm: pd.DataFrame, category_names: pd.Index, policy: Policy
) -> pd.DataFrame:
    """marts.fct_customer_features (docs block `feature_null_policy`)."""
    by_person = purchases.groupby("_person")
    delivered = purchases["is_delivered"]
    reviewed = purchases["has_review"]
    work = pd.DataFrame(
        {
            "_person": purchases["_person"],
            "late": purchases["is_late"].astype("float64").where(delivered),
            "comment": purchases["has_review_comment"].astype("float64").where(reviewed),
            "review_score": purchases["review_score"].astype("float64"),
        }
    )
    totals = by_person.agg(
        count_item_lines=("count_item_lines", "sum"),
        avg_items_per_order=("count_item_lines", "mean"),
        freight_cents=("_freight_cents", "sum"),
        value_cents=("_order_value_cents", "sum"),
        count_distinct_categories=("_main_category_code", "nunique"),
        count_delivered_orders=("is_delivered", "sum"),
        avg_days_to_deliver=("days_to_deliver", "mean"),
        avg_days_late=("days_late", "mean"),
        count_reviewed_orders=("has_review", "sum"),
        avg_distance_km=("distance_km", "mean"),
        payment_total_cents=("_payment_total_cents", "sum"),
        avg_installments=("max_installments", "mean"),
        max_installments=("max_installments", "max"),
        has_used_voucher=("has_voucher", "any"),
        **{f"paid_{name}": (f"_paid_{name}_cents", "sum") for name in PAYMENT_SHARE_TYPES},
    )
    scores = work.groupby("_person").agg(
        share_late_deliveries=("late", "mean"),
        share_reviews_with_comment=("comment", "mean"),
        avg_review_score=("review_score", "mean"),
        min_review_score=("review_score", "min"),
    )

    # The latest purchase by (purchased_at, order_id): order codes follow the hex order.
    latest_first = purchases.sort_values(
        ["_person", "purchased_at", "order_key"], ascending=[True, False, False]
    )
    state = latest_first.drop_duplicates("_person").set_index("_person")["customer_state"]
    last_review = (
        latest_first.loc[latest_first["review_score"].notna()]
        .drop_duplicates("_person")
        .set_index("_person")["review_score"]
    )
    category_value = purchases.groupby(["_person", "_main_category_code"], as_index=False)[
        "_order_value_cents"
    ].sum()
    top_category = _first_per_group(
        category_value, "_person", ["_order_value_cents", "_main_category_code"], [False, True]
    )["_main_category_code"]

    people = rfm.index
    totals, scores = totals.reindex(people), scores.reindex(people)
    value = totals["value_cents"]
    freight_share = (totals["freight_cents"] / 100) / (value / 100).where(value != 0)
    payment_total = totals["payment_total_cents"]
    payment_base = (payment_total / 100).where(payment_total != 0)
    customer_state = state.reindex(people)
    frame = pd.DataFrame(
        {
            "as_of_date": rfm["as_of_date"],
            "customer_unique_key": rfm["customer_unique_key"],
            "customer_unique_id": rfm["customer_unique_id"],
            "customer_state": customer_state,
            "customer_region": customer_state.map(policy.regions),
            "days_since_last_order": rfm["days_since_last_order"],
            "days_since_first_order": rfm["days_since_first_order"],
            "count_orders": rfm["count_orders"],
            "total_spend_brl": rfm["total_spend_brl"],
            "avg_order_value_brl": rfm["avg_order_value_brl"],
            "r_score": rfm["r_score"],
            "f_score": rfm["f_score"],
            "m_score": rfm["m_score"],
            "rfm_group": rfm["rfm_group"],
            "is_repeat_buyer": rfm["count_orders"] > 1,
            "count_item_lines": totals["count_item_lines"].astype("int32"),
            "avg_items_per_order": totals["avg_items_per_order"],
            "freight_share": freight_share.fillna(0.0),
            "count_distinct_categories": totals["count_distinct_categories"].astype("int32"),
            "top_category_name": pd.Series(
                np.asarray(category_names, dtype=object)[
                    top_category.reindex(people).astype("int64")
                ],
                index=people,
            ),
            "count_delivered_orders": totals["count_delivered_orders"].astype("int32"),
            "has_delivered_order": totals["count_delivered_orders"] > 0,
            "avg_days_to_deliver": totals["avg_days_to_deliver"],
            "avg_days_late": totals["avg_days_late"],
            "share_late_deliveries": scores["share_late_deliveries"],
            "count_reviewed_orders": totals["count_reviewed_orders"].astype("int32"),
            "has_review": totals["count_reviewed_orders"] > 0,
            "avg_review_score": scores["avg_review_score"],
            "min_review_score": scores["min_review_score"].astype("Int32"),
            "last_review_score": last_review.reindex(people).astype("Int32"),
            "share_reviews_with_comment": scores["share_reviews_with_comment"],
            "has_distance": totals["avg_distance_km"].notna(),
            "avg_distance_km": totals["avg_distance_km"],
            "has_payment": payment_total > 0,
            **{
                f"share_paid_{name}": (totals[f"paid_{name}"] / 100) / payment_base
                for name in PAYMENT_SHARE_TYPES
            },
            "avg_installments": totals["avg_installments"].astype("float64").fillna(0.0),
            "max_installments": totals["max_installments"].fillna(0).astype("int32"),
            "has_used_voucher": totals["has_used_voucher"].astype(bool),
        }
    )
    return frame


def build_marts(
    input_dir: Path, as_of_date: str | None = None, *, project_dir: Path = REPO
) -> dict[str, pd.DataFrame]:
    """fct_orders, fct_customer_rfm and fct_customer_features from the CSV files
    in `input_dir`, as of `as_of_date` (YYYY-MM-DD; default: the policy's)."""
    if as_of_date is not None and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", as_of_date):
        raise ValueError(
            f"as_of_date must be a date written YYYY-MM-DD (for example 2018-06-30); "
            f"got: {as_of_date}"
        )
    policy = load_policy(project_dir)
    staged = stage(Path(input_dir), policy)
    category_code, category_names = _product_categories(staged)
    joined = _orders_joined(staged, category_code, policy)
    as_of = pd.Timestamp(as_of_date) if as_of_date else default_as_of_date(joined)
    orders = _fct_orders(joined, staged["order_reviews"], category_names, as_of)
    purchases = orders.loc[orders["is_purchase"]]
    rfm = _fct_customer_rfm(purchases, as_of, policy)
    features = _fct_customer_features(purchases, rfm, category_names, policy)
    private = [column for column in orders.columns if column.startswith("_")]
    return {
        "fct_orders": orders.drop(columns=private),
        "fct_customer_rfm": rfm.reset_index(drop=True),
        "fct_customer_features": features.reset_index(drop=True),
    }


def write_parquet(marts: dict[str, pd.DataFrame], folder: Path) -> None:
    """Each mart to <folder>/<name>.parquet."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in marts.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)


def read_marts(folder: Path) -> dict[str, pd.DataFrame]:
    """The marts `write_parquet` (or the command line's --out) wrote to `folder`."""
    missing = [name for name in MARTS if not (folder / f"{name}.parquet").is_file()]
    if missing:
        raise FileNotFoundError(
            f"{folder}: no {', '.join(f'{name}.parquet' for name in missing)}; "
            "run `benchmarks/pandas_reference.py --input DIR --out FOLDER` first"
        )
    return {name: pd.read_parquet(folder / f"{name}.parquet") for name in MARTS}


# --------------------------------------------------------------------------
# Comparison with the warehouse
# --------------------------------------------------------------------------


def _kind(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return "money"
    if duckdb_type in ("DOUBLE", "FLOAT"):
        return "double"
    if duckdb_type in ("TIMESTAMP", "DATE"):
        return "time"
    if duckdb_type in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UINTEGER", "UBIGINT"):
        return "integer"
    return "exact"


def _shown(value: object) -> str:
    """A value as a message shows it: null, plain numbers, ISO times."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "null"
    if isinstance(value, float) and np.isnan(value):
        return "null"
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ")
    if isinstance(value, np.generic):
        return _shown(value.item())
    return repr(value)


def _normalised(values: pd.Series, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(is null, comparable values) of one column."""
    missing = values.isna().to_numpy()
    if kind == "time":
        stamps = pd.to_datetime(values).astype("datetime64[us]")
        return missing, stamps.to_numpy().astype("int64")
    if kind in ("money", "double", "integer"):
        numbers = pd.to_numeric(values).astype("float64").to_numpy(na_value=np.nan)
        return missing, np.round(numbers * 100) if kind == "money" else numbers
    return missing, values.astype(object).to_numpy()


def _equal(left: np.ndarray, right: np.ndarray, kind: str, rel_tol: float) -> np.ndarray:
    if kind == "double":
        return np.isclose(left, right, rtol=rel_tol, atol=1e-9)
    return np.asarray(left == right, dtype=bool)


def compare(
    marts: dict[str, pd.DataFrame],
    warehouse: Path,
    *,
    check_keys: bool = True,
    rel_tol: float = 1e-6,
    examples: int = 5,
) -> list[str]:
    """Differences between the pandas marts and the warehouse's, one line each;
    empty when they agree: the same rows (by hex id), the same columns and the
    same values (doubles within `rel_tol`, money to the cent, everything else
    exact, nulls in the same places). `check_keys=False` leaves the `*_key`
    columns out (for warehouses whose key maps were grown over other inputs)."""
    # Imported here so that timing build_marts measures pandas alone.
    import duckdb

    problems: list[str] = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name, ours in marts.items():
            if name not in ROW_IDS:
                problems.append(f"{name}: not a mart this module knows ({', '.join(MARTS)})")
                continue
            types = dict(
                con.execute(
                    "select column_name, data_type from duckdb_columns() "
                    "where schema_name = 'marts' and table_name = ?",
                    [name],
                ).fetchall()
            )
            if not types:
                problems.append(f"{name}: no table marts.{name} in {warehouse}; run `dbt build`")
                continue
            theirs = con.execute(f"select * from marts.{name}").df()
            problems += _compare_table(
                name, ours, theirs, types, check_keys=check_keys, rel_tol=rel_tol, examples=examples
            )
    return problems


def _compare_table(
    name: str,
    ours: pd.DataFrame,
    theirs: pd.DataFrame,
    types: dict[str, str],
    *,
    check_keys: bool,
    rel_tol: float,
    examples: int,
) -> list[str]:
    row_id = ROW_IDS[name]
    problems: list[str] = []
    only_warehouse = [column for column in theirs.columns if column not in ours.columns]
    only_pandas = [column for column in ours.columns if column not in theirs.columns]
    if only_warehouse:
        problems.append(f"{name}: columns only in the warehouse: {', '.join(only_warehouse)}")
    if only_pandas:
        problems.append(f"{name}: columns only in pandas: {', '.join(only_pandas)}")
    for side, frame in (("warehouse", theirs), ("pandas", ours)):
        repeated = frame[row_id][frame[row_id].duplicated()]
        if len(repeated):
            problems.append(
                f"{name}: {len(repeated)} repeated {row_id} in {side}, "
                f"e.g. {', '.join(map(str, repeated.head(examples)))}"
            )
            return problems

    theirs, ours = theirs.set_index(row_id), ours.set_index(row_id)
    for side, missing in (
        ("warehouse", theirs.index.difference(ours.index)),
        ("pandas", ours.index.difference(theirs.index)),
    ):
        if len(missing):
            rows = "row" if len(missing) == 1 else "rows"
            problems.append(
                f"{name}: {len(missing)} {rows} only in the {side}, e.g. {row_id} "
                + ", ".join(map(str, missing[:examples]))
            )
    common = theirs.index.intersection(ours.index).sort_values()
    theirs, ours = theirs.loc[common], ours.loc[common]
    for column in theirs.columns:
        if column not in ours.columns or (not check_keys and column.endswith("_key")):
            continue
        kind = _kind(types[column])
        their_null, their_values = _normalised(theirs[column], kind)
        our_null, our_values = _normalised(ours[column], kind)
        both = ~their_null & ~our_null
        same = their_null == our_null
        same[both] = _equal(their_values[both], our_values[both], kind, rel_tol)
        wrong = np.flatnonzero(~same)
        for position in wrong[:examples]:
            problems.append(
                f"{name}: {row_id}={common[position]}: {column} is "
                f"{_shown(theirs[column].iloc[position])} in the warehouse, "
                f"{_shown(ours[column].iloc[position])} in pandas"
            )
        if len(wrong) > examples:
            problems.append(f"{name}: ... {len(wrong) - examples} more rows differ in {column}")
    return problems


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, required=True, help="folder of the nine CSV files")
    parser.add_argument("--as-of-date", help="YYYY-MM-DD (default: the last real purchase)")
    parser.add_argument("--out", type=Path, help="write each mart to <out>/<mart>.parquet")
    parser.add_argument("--warehouse", type=Path, help="DuckDB file to compare the marts with")
    parser.add_argument(
        "--no-keys", action="store_true", help="compare on hex ids only, not the *_key columns"
    )
    args = parser.parse_args(argv)
    try:
        started = time.perf_counter()
        marts = build_marts(args.input, args.as_of_date)
        built = time.perf_counter() - started
        if args.out:
            write_parquet(marts, args.out)
        total = time.perf_counter() - started
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows = ", ".join(f"{name} {len(frame):,}" for name, frame in marts.items())
        print(
            f"built in {built:.2f} s ({total:.2f} s with Parquet), peak {peak_mib:.0f} MiB: {rows}"
        )
        if args.warehouse:
            problems = compare(marts, args.warehouse, check_keys=not args.no_keys)
            for problem in problems:
                print(problem)
            print(f"{len(problems)} differences from {args.warehouse}")
            return 1 if problems else 0
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
