"""Reference figures of the public Olist dataset that the generator is calibrated to.

Every number here is a published aggregate of the real dataset (see
``shared/olist_schema.md``), never a row of it. Counts are at scale 1; the
generator multiplies the business tables by ``scale``.
"""

from __future__ import annotations

# Rows of the real files (scale 1).
REAL_ORDERS = 99_441
REAL_PEOPLE = 96_096
REAL_ITEMS = 112_650
REAL_PAYMENTS = 103_886
REAL_REVIEWS = 99_224
REAL_REVIEW_IDS = 98_410
REAL_PRODUCTS = 32_951
REAL_SELLERS = 3_095
REAL_GEOLOCATION = 1_000_163
REAL_GEO_PREFIXES = 19_015
REAL_GEO_DUPLICATES = 261_831
REAL_CUSTOMER_PREFIXES = 14_994

# Orders per person (customer_unique_id) -> number of people.
ORDERS_PER_PERSON: dict[int, int] = {
    1: 93_099,
    2: 2_745,
    3: 203,
    4: 30,
    5: 8,
    6: 6,
    7: 3,
    9: 1,
    17: 1,
}

ORDER_STATUS: dict[str, int] = {
    "delivered": 96_478,
    "shipped": 1_107,
    "canceled": 625,
    "unavailable": 609,
    "invoiced": 314,
    "processing": 301,
    "created": 5,
    "approved": 2,
}

# Orders without item rows, by status (775 in all).
NO_ITEMS_BY_STATUS: dict[str, int] = {
    "unavailable": 603,
    "canceled": 164,
    "created": 5,
    "invoiced": 2,
    "shipped": 1,
}

# Purchases per calendar month (2016: 329, 2017: 45,101, 2018: 54,011).
ORDERS_PER_MONTH: dict[str, int] = {
    "2016-09": 4,
    "2016-10": 324,
    "2016-11": 0,
    "2016-12": 1,
    "2017-01": 800,
    "2017-02": 1_780,
    "2017-03": 2_682,
    "2017-04": 2_404,
    "2017-05": 3_700,
    "2017-06": 3_245,
    "2017-07": 4_026,
    "2017-08": 4_331,
    "2017-09": 4_285,
    "2017-10": 4_631,
    "2017-11": 7_544,
    "2017-12": 5_673,
    "2018-01": 7_269,
    "2018-02": 6_728,
    "2018-03": 7_211,
    "2018-04": 6_939,
    "2018-05": 6_873,
    "2018-06": 6_167,
    "2018-07": 6_292,
    "2018-08": 6_512,
    "2018-09": 16,
    "2018-10": 4,
}
LAST_PURCHASE = "2018-10-17T17:30:18"
BLACK_FRIDAY = "2017-11-24"
BLACK_FRIDAY_ORDERS = 1_176

# Share of purchases per hour of the day (Brazilian local time).
HOUR_WEIGHTS: tuple[float, ...] = (
    2.4, 1.1, 0.5, 0.3, 0.2, 0.2, 0.5, 1.2, 3.0, 4.8, 6.2, 6.6,
    6.0, 6.6, 6.7, 6.4, 6.7, 6.2, 5.8, 5.9, 6.3, 6.3, 5.8, 4.3,
)  # fmt: skip

# Item lines per order, for the 98,666 orders that have items.
ITEMS_PER_ORDER: dict[int, int] = {
    1: 88_863,
    2: 7_516,
    3: 1_322,
    4: 505,
    5: 204,
    6: 198,
    7: 22,
    8: 8,
    9: 3,
    10: 8,
    11: 4,
    12: 5,
    13: 1,
    14: 2,
    15: 2,
    20: 2,
    21: 1,
}

# Payment rows per order (99,440 orders have payments).
PAYMENT_ROWS_PER_ORDER: dict[int, int] = {
    1: 96_479,
    2: 2_382,
    3: 301,
    4: 108,
    5: 52,
    6: 36,
    7: 28,
    8: 11,
    9: 9,
    10: 5,
    11: 8,
    12: 8,
    13: 3,
    14: 2,
    15: 2,
    19: 2,
    21: 1,
    22: 1,
    26: 1,
    29: 1,
}
PAYMENT_ROWS_BY_TYPE: dict[str, int] = {
    "credit_card": 76_795,
    "boleto": 19_784,
    "voucher": 5_775,
    "debit_card": 1_529,
    "not_defined": 3,
}
# Installments of credit-card rows (other types always pay in 1).
CARD_INSTALLMENTS: dict[int, int] = {
    0: 2,
    1: 25_455,
    2: 12_413,
    3: 10_461,
    4: 7_098,
    5: 5_239,
    6: 3_920,
    7: 1_626,
    8: 4_268,
    9: 644,
    10: 5_328,
    11: 23,
    12: 133,
    13: 16,
    14: 15,
    15: 74,
    16: 5,
    17: 8,
    18: 27,
    20: 17,
    21: 3,
    22: 1,
    23: 1,
    24: 38,
}

REVIEW_SCORES: dict[int, int] = {5: 57_328, 4: 19_142, 3: 8_179, 2: 3_151, 1: 11_424}
ORDERS_WITHOUT_REVIEW = 768
ORDERS_WITH_SEVERAL_REVIEWS = 547

# Timestamp quirks.
ORDERS_WITHOUT_APPROVAL = 160
DELIVERED_WITHOUT_DELIVERY_DATE = 8
CANCELED_WITH_DELIVERY_DATE = 6
CARRIER_BEFORE_PURCHASE = 166
DELIVERY_BEFORE_CARRIER = 23
ORDERS_WITHOUT_PAYMENT = 1

CUSTOMER_ROWS_WITHOUT_GEOLOCATION = 278
SELLERS_WITHOUT_GEOLOCATION = 7

# Customer rows per state, % (sums to 100).
CUSTOMER_STATE_PCT: dict[str, float] = {
    "SP": 41.98, "RJ": 12.92, "MG": 11.70, "RS": 5.50, "PR": 5.07, "SC": 3.66,
    "BA": 3.40, "DF": 2.15, "ES": 2.04, "GO": 2.03, "PE": 1.66, "CE": 1.34,
    "PA": 0.98, "MT": 0.91, "MA": 0.75, "MS": 0.72, "PB": 0.54, "PI": 0.50,
    "RN": 0.49, "AL": 0.42, "SE": 0.35, "TO": 0.28, "RO": 0.25, "AM": 0.15,
    "AC": 0.08, "AP": 0.07, "RR": 0.05,
}  # fmt: skip

SELLERS_BY_STATE: dict[str, int] = {
    "SP": 1_849, "PR": 349, "MG": 244, "SC": 190, "RJ": 171, "RS": 129, "GO": 40,
    "DF": 30, "ES": 23, "BA": 19, "CE": 13, "PE": 9, "PB": 6, "RN": 5, "MS": 5,
    "MT": 4, "RO": 2, "SE": 2, "PI": 1, "AM": 1, "MA": 1, "PA": 1, "AC": 1,
}  # fmt: skip

PRODUCT_PHOTOS: dict[int, int] = {
    1: 16_489, 2: 6_263, 3: 3_860, 4: 2_428, 5: 1_484, 6: 968, 7: 343, 8: 192,
    9: 105, 10: 95, 11: 46, 12: 35, 13: 9, 14: 5, 15: 8, 17: 7, 18: 2, 19: 1, 20: 1,
}  # fmt: skip
PRODUCTS_WITHOUT_CATEGORY = 610
PRODUCTS_WITHOUT_DIMENSIONS = 2

# Box that contains Brazil; geolocation points outside it are errors.
BRAZIL_LAT = (-33.75, 5.27)
BRAZIL_LNG = (-73.99, -34.79)
GEO_POINTS_OUTSIDE_BRAZIL = 29
