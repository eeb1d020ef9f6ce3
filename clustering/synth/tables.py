"""File names, headers and record formatting of the nine Olist CSV files."""

from __future__ import annotations

import numpy as np

from clustering.synth import writer as w
from clustering.synth.catalog import Catalog
from clustering.synth.categories import CATEGORIES
from clustering.synth.geography import Geography, GeolocationRows
from clustering.synth.orders import PAYMENT_TYPES, STATUSES, Chunk

CUSTOMERS = "olist_customers_dataset.csv"
ORDERS = "olist_orders_dataset.csv"
ITEMS = "olist_order_items_dataset.csv"
PAYMENTS = "olist_order_payments_dataset.csv"
REVIEWS = "olist_order_reviews_dataset.csv"
PRODUCTS = "olist_products_dataset.csv"
SELLERS = "olist_sellers_dataset.csv"
GEOLOCATION = "olist_geolocation_dataset.csv"
TRANSLATION = "product_category_name_translation.csv"

HEADERS: dict[str, tuple[str, ...]] = {
    CUSTOMERS: (
        "customer_id",
        "customer_unique_id",
        "customer_zip_code_prefix",
        "customer_city",
        "customer_state",
    ),
    ORDERS: (
        "order_id",
        "customer_id",
        "order_status",
        "order_purchase_timestamp",
        "order_approved_at",
        "order_delivered_carrier_date",
        "order_delivered_customer_date",
        "order_estimated_delivery_date",
    ),
    ITEMS: (
        "order_id",
        "order_item_id",
        "product_id",
        "seller_id",
        "shipping_limit_date",
        "price",
        "freight_value",
    ),
    PAYMENTS: (
        "order_id",
        "payment_sequential",
        "payment_type",
        "payment_installments",
        "payment_value",
    ),
    REVIEWS: (
        "review_id",
        "order_id",
        "review_score",
        "review_comment_title",
        "review_comment_message",
        "review_creation_date",
        "review_answer_timestamp",
    ),
    PRODUCTS: (
        "product_id",
        "product_category_name",
        "product_name_lenght",
        "product_description_lenght",
        "product_photos_qty",
        "product_weight_g",
        "product_length_cm",
        "product_height_cm",
        "product_width_cm",
    ),
    SELLERS: ("seller_id", "seller_zip_code_prefix", "seller_city", "seller_state"),
    GEOLOCATION: (
        "geolocation_zip_code_prefix",
        "geolocation_lat",
        "geolocation_lng",
        "geolocation_city",
        "geolocation_state",
    ),
    TRANSLATION: ("product_category_name", "product_category_name_english"),
}
FILES = tuple(HEADERS)


def customer_columns(c: Chunk, geo: Geography, rows: np.ndarray) -> list[np.ndarray]:
    place = c.place[rows]
    return [
        w.quote_ids(c.customer_id[rows]),
        w.quote_ids(c.person_uid[rows]),
        geo.zip_field[place],
        geo.city_field[place],
        geo.state_codes[place].astype(object),
    ]


def order_columns(
    c: Chunk, rows: np.ndarray, spreadsheet: np.ndarray | None = None
) -> list[np.ndarray]:
    """Order records; ``spreadsheet`` flags rows whose dates are written as m/d/yyyy h:mm."""
    dates = [c.purchase, c.approved, c.carrier, c.delivered, c.estimated]
    cols = []
    for d in dates:
        text = w.timestamps(d[rows])
        if spreadsheet is not None and spreadsheet.any():
            text[spreadsheet] = w.spreadsheet_timestamps(d[rows][spreadsheet])
        cols.append(text)
    return [
        w.quote_ids(c.order_id[rows]),
        w.quote_ids(c.customer_id[rows]),
        np.asarray(STATUSES, dtype=object)[c.status[rows]],
        *cols,
    ]


def item_columns(c: Chunk, cat: Catalog, rows: np.ndarray) -> list[np.ndarray]:
    return [
        w.quote_ids(c.order_id[c.item_order[rows]]),
        w.integers(c.item_seq[rows]),
        w.quote_ids(cat.product_id[c.item_product[rows]]),
        w.quote_ids(cat.seller_id[c.item_seller[rows]]),
        w.timestamps(c.item_limit[rows]),
        w.money(c.item_price[rows]),
        w.money(c.item_freight[rows]),
    ]


def payment_columns(c: Chunk, rows: np.ndarray) -> list[np.ndarray]:
    return [
        w.quote_ids(c.order_id[c.pay_order[rows]]),
        w.integers(c.pay_seq[rows]),
        np.asarray(PAYMENT_TYPES, dtype=object)[c.pay_type[rows]],
        w.integers(c.pay_installments[rows]),
        w.money(c.pay_value[rows]),
    ]


def review_columns(c: Chunk, rows: np.ndarray) -> list[np.ndarray]:
    return [
        w.quote_ids(c.review_id[rows]),
        w.quote_ids(c.order_id[c.review_order[rows]]),
        w.integers(c.review_score[rows]),
        w.quote_text(c.review_title[rows]),
        w.quote_text(c.review_message[rows]),
        w.timestamps(c.review_created[rows]),
        w.timestamps(c.review_answered[rows]),
    ]


def product_columns(cat: Catalog, rows: np.ndarray) -> list[np.ndarray]:
    names = np.asarray([c.name for c in CATEGORIES] + [""], dtype=object)
    category = cat.category[rows]
    no_cat = category < 0
    no_dims = cat.weight_g[rows] < 0
    return [
        w.quote_ids(cat.product_id[rows]),
        names[category],  # -1 picks the trailing empty name
        w.integers(cat.name_length[rows], no_cat),
        w.integers(cat.description_length[rows], no_cat),
        w.integers(cat.photos[rows], no_cat),
        w.integers(cat.weight_g[rows], no_dims),
        w.integers(cat.length_cm[rows], no_dims),
        w.integers(cat.height_cm[rows], no_dims),
        w.integers(cat.width_cm[rows], no_dims),
    ]


def seller_columns(cat: Catalog, geo: Geography, rows: np.ndarray) -> list[np.ndarray]:
    place = cat.seller_place[rows]
    return [
        w.quote_ids(cat.seller_id[rows]),
        geo.zip_field[place],
        geo.city_field[place],
        geo.state_codes[place].astype(object),
    ]


def geolocation_columns(g: GeolocationRows, geo: Geography) -> list[np.ndarray]:
    city = np.where(g.accented, geo.city_accented_field[g.place], geo.city_field[g.place])
    return [
        geo.zip_field[g.place],
        w.coordinates(g.lat),
        w.coordinates(g.lng),
        city,
        geo.state_codes[g.place].astype(object),
    ]


def translation_records() -> list[str]:
    return [f"{c.name},{c.english}" for c in CATEGORIES if c.english is not None]
