"""Real-extract shapes cut from a complete dataset.

One job: derive, from a complete Olist dataset in the Kaggle layout, the
sparse or partial datasets users actually run the project on (one month, a
few people, one state, a missing reviews file, ...) and write each into
another folder in the same layout, so tests can run the whole segment job on
every shape. ``SHAPES`` lists them; ``write_shape`` cuts one from a folder,
``generate_shape`` from a freshly generated dataset.

Every kept record is copied through as its source text (quoting, line
endings, line breaks inside reviews), so a shape differs from its source only
by the records it leaves out (and, for ``geolocation_no_match``, the zip
prefix it rewrites). A shape never leaves an orphan: its orders are those of
its customers, and its items, payments and reviews those of its orders;
products, sellers and the category translation stay whole, as in a real
extract that was cut on orders. The same source gives byte-identical output.
"""

from __future__ import annotations

import tempfile
import zlib
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from clustering.synth import tables as t
from clustering.synth.days import records
from clustering.synth.generator import generate
from clustering.synth.writer import BOM

# What a shape does to one file: given a record's fields and text, the text to
# write, or None to leave the record out.
Rewrite = Callable[[list[str], str], str | None]


@dataclass(frozen=True)
class Shape:
    """A named shape of extract and the function that cuts it (source, out) -> rows."""

    name: str
    description: str
    write: Callable[[Path, Path], dict[str, int]]


def _column(name: str, column: str) -> int:
    # The header is checked against the Kaggle layout, so positions are fixed.
    return t.HEADERS[name].index(column)


def _checked(source: Path, name: str) -> Iterator[tuple[list[str], str]]:
    """The records of one source file, header first, after checking the header
    is the Kaggle one (a shape of another layout would not load either)."""
    path = source / name
    stream = records(path)
    header, text = next(stream, ([], ""))
    if [field.removeprefix(BOM) for field in header] != list(t.HEADERS[name]):
        raise ValueError(
            f"{path} has header {header!r}; expected the Kaggle header {list(t.HEADERS[name])!r}"
        )
    yield header, text
    for fields, text in stream:
        # An empty line carries no record; the loader's reader skips it too.
        if fields:
            yield fields, text


def _scan(source: Path, name: str) -> Iterator[list[str]]:
    """The fields of each record of one source file (header left out)."""
    stream = _checked(source, name)
    next(stream)
    for fields, _ in stream:
        yield fields


def _zip(prefix: str) -> str:
    # Some exports drop the leading zeros; the loader pads them back, so
    # prefixes are compared as it will see them.
    return prefix.zfill(5)


def _where(name: str, column: str, allowed: Container[str]) -> Rewrite:
    """Keep the records of `name` whose `column` is in `allowed`."""
    index = _column(name, column)
    return lambda fields, text: text if fields[index] in allowed else None


def _nothing(fields: list[str], text: str) -> None:
    return None


def _order_customers(source: Path) -> dict[str, str]:
    """customer_id of each order_id."""
    order, customer = _column(t.ORDERS, "order_id"), _column(t.ORDERS, "customer_id")
    return {fields[order]: fields[customer] for fields in _scan(source, t.ORDERS)}


def _people(source: Path) -> dict[str, str]:
    """customer_unique_id (the person) of each customer_id."""
    customer = _column(t.CUSTOMERS, "customer_id")
    person = _column(t.CUSTOMERS, "customer_unique_id")
    return {fields[customer]: fields[person] for fields in _scan(source, t.CUSTOMERS)}


def _write_file(source: Path, out: Path, name: str, rewrite: Rewrite | None) -> int:
    """Write one file through `rewrite` (None copies every record); returns records written."""
    count = 0
    with (out / name).open("w", encoding="utf-8", newline="") as handle:
        stream = _checked(source, name)
        handle.write(next(stream)[1])
        for fields, text in stream:
            kept = text if rewrite is None else rewrite(fields, text)
            if kept is not None:
                handle.write(kept)
                count += 1
    return count


def _cut(
    source: Path,
    out: Path,
    orders: set[str] | None,
    rewrites: dict[str, Rewrite] | None = None,
) -> dict[str, int]:
    """Write every file: the `orders` (all when None) with their customers,
    items, payments and reviews, the other files whole; `rewrites` replace
    the rule of a file. Returns records written per file (headers not counted)."""
    rules: dict[str, Rewrite] = {}
    if orders is not None:
        order_customers = _order_customers(source)
        customers = {order_customers[order] for order in orders}
        rules[t.ORDERS] = _where(t.ORDERS, "order_id", orders)
        rules[t.CUSTOMERS] = _where(t.CUSTOMERS, "customer_id", customers)
        for name in (t.ITEMS, t.PAYMENTS, t.REVIEWS):
            rules[name] = _where(name, "order_id", orders)
    rules.update(rewrites or {})
    return {name: _write_file(source, out, name, rules.get(name)) for name in t.FILES}


def _prepare(source: Path, out: Path) -> tuple[Path, Path]:
    """Check the source folder and create the output folder."""
    source, out = Path(source), Path(out)
    missing = [name for name in t.FILES if not (source / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{source} lacks {', '.join(missing)}; expected the nine Kaggle files"
        )
    if out.resolve() == source.resolve():
        raise ValueError(f"the shape must go to another folder than its source {source}")
    out.mkdir(parents=True, exist_ok=True)
    return source, out


def _require(orders: set[str], what: str) -> set[str]:
    # A shape without a single order is no extract anyone runs; say so early.
    if not orders:
        raise ValueError(f"the source holds no order {what}")
    return orders


def one_month(source: Path, out: Path, month: str = "2017-11") -> dict[str, int]:
    """Only the orders purchased in `month` (``YYYY-MM``), with their customers,
    items, payments and reviews; products, sellers, geolocation and the
    translation whole, as a date-cut extract keeps its dimension tables."""
    source, out = _prepare(source, out)
    try:
        month = datetime.strptime(month, "%Y-%m").strftime("%Y-%m")
    except ValueError:
        raise ValueError(f"month must be YYYY-MM, got {month!r}") from None
    order, purchase = _column(t.ORDERS, "order_id"), _column(t.ORDERS, "order_purchase_timestamp")
    orders = {
        fields[order]
        for fields in _scan(source, t.ORDERS)
        if fields[purchase].startswith(f"{month}-")
    }
    return _cut(source, out, _require(orders, f"purchased in {month}"))


def _sampled(order_id: str, one_in: int) -> bool:
    # A hash of the id, not the file position or Python's salted hash(): the
    # same orders whatever the order of the file, in every run.
    return zlib.crc32(order_id.encode()) % one_in == 0


def sparse_coverage(
    source: Path, out: Path, one_in: int = 20, *, items: bool = False
) -> dict[str, int]:
    """Every order, customer and payment, but items (unless `items`) and
    reviews of only one order in `one_in` (about 5 %), and geolocation only
    for the zips of those orders' customers and sellers."""
    source, out = _prepare(source, out)
    if one_in < 1:
        raise ValueError(f"one_in must be a positive integer, got {one_in!r}")
    order_customers = _order_customers(source)
    covered = {order for order in order_customers if _sampled(order, one_in)}
    buyers = {order_customers[order] for order in covered}
    item_order, item_seller = _column(t.ITEMS, "order_id"), _column(t.ITEMS, "seller_id")
    sellers = {
        fields[item_seller] for fields in _scan(source, t.ITEMS) if fields[item_order] in covered
    }
    customer, customer_zip = (
        _column(t.CUSTOMERS, "customer_id"),
        _column(t.CUSTOMERS, "customer_zip_code_prefix"),
    )
    seller, seller_zip = (
        _column(t.SELLERS, "seller_id"),
        _column(t.SELLERS, "seller_zip_code_prefix"),
    )
    # A partial extract is usually cut by following keys from a sample of
    # orders, so its locations are those the sampled orders reach: their
    # buyers' and sellers' zips. (A random 5 % of prefixes would locate almost
    # none of the covered orders, which no export produces.)
    located = {
        _zip(fields[customer_zip])
        for fields in _scan(source, t.CUSTOMERS)
        if fields[customer] in buyers
    } | {
        _zip(fields[seller_zip]) for fields in _scan(source, t.SELLERS) if fields[seller] in sellers
    }
    geo_zip = _column(t.GEOLOCATION, "geolocation_zip_code_prefix")
    return _cut(
        source,
        out,
        None,
        {
            **({} if items else {t.ITEMS: _where(t.ITEMS, "order_id", covered)}),
            t.REVIEWS: _where(t.REVIEWS, "order_id", covered),
            t.GEOLOCATION: lambda fields, text: text if _zip(fields[geo_zip]) in located else None,
        },
    )


def sparse_reviews_and_locations(source: Path, out: Path, one_in: int = 20) -> dict[str, int]:
    """Every order with its items and payments, but reviews of only one order
    in `one_in` and geolocation only for the zips those orders reach: the
    population stays whole while two features become sparse."""
    return sparse_coverage(source, out, one_in, items=True)


def reviews_header_only(source: Path, out: Path) -> dict[str, int]:
    """Everything, but the reviews file holds only its header line."""
    source, out = _prepare(source, out)
    return _cut(source, out, None, {t.REVIEWS: _nothing})


def _used_zips(source: Path) -> set[str]:
    """The zip prefixes of every customer and seller."""
    customer_zip = _column(t.CUSTOMERS, "customer_zip_code_prefix")
    seller_zip = _column(t.SELLERS, "seller_zip_code_prefix")
    return {_zip(fields[customer_zip]) for fields in _scan(source, t.CUSTOMERS)} | {
        _zip(fields[seller_zip]) for fields in _scan(source, t.SELLERS)
    }


def _with_zip(text: str, old: str, new: str) -> str:
    """A geolocation record's text with its zip prefix (the first field) replaced."""
    # The prefix is digits only, so its text is the value, bare or in quotes;
    # the rest of the record is copied through.
    quoted = text.startswith('"')
    rest = text[len(old) + 2 if quoted else len(old) :]
    return (f'"{new}"' if quoted else new) + rest


def geolocation_no_match(source: Path, out: Path) -> dict[str, int]:
    """Everything, but no geolocation zip prefix matches a customer's or a
    seller's: only the rows of prefixes nobody uses, or, when every prefix
    is used (the generator locates only used ones), every row moved to a
    prefix nobody uses."""
    source, out = _prepare(source, out)
    geo_zip = _column(t.GEOLOCATION, "geolocation_zip_code_prefix")  # 0, as _with_zip needs
    used = _used_zips(source)
    listed = {_zip(fields[geo_zip]) for fields in _scan(source, t.GEOLOCATION)}
    if listed - used:
        # Real rows of prefixes nobody uses: the most faithful no-match file.
        def rewrite(fields: list[str], text: str) -> str | None:
            return None if _zip(fields[geo_zip]) in used else text
    else:
        # Each listed prefix moves to its own unused one, in sorted order, so
        # a prefix's rows stay together and the mapping is the same every run.
        taken = used | listed
        free = (code for code in (f"{n:05d}" for n in range(100_000)) if code not in taken)
        moved = dict(zip(sorted(listed), free, strict=False))
        if len(moved) < len(listed):
            raise ValueError(f"{source}: too few unused zip prefixes to move geolocation to")

        def rewrite(fields: list[str], text: str) -> str | None:
            return _with_zip(text, fields[geo_zip], moved[_zip(fields[geo_zip])])

    return _cut(source, out, None, {t.GEOLOCATION: rewrite})


def population(source: Path, out: Path, people: int = 150) -> dict[str, int]:
    """Exactly `people` persons (customer_unique_id) with all their orders and
    those orders' rows."""
    source, out = _prepare(source, out)
    order_customers = _order_customers(source)
    person_of = _people(source)
    # Only people with an order count: the shape promises them in the orders.
    buyers = {person_of[c] for c in order_customers.values() if c in person_of}
    if len(buyers) < people:
        raise ValueError(f"{source} holds {len(buyers)} people with orders; {people} are needed")
    # Ranked by a hash of the id: a sample unrelated to file position, and not
    # only ids starting with "0" (which the files quote) as sorting would give.
    chosen = set(sorted(buyers, key=lambda p: (zlib.crc32(p.encode()), p))[:people])
    orders = {
        order for order, customer in order_customers.items() if person_of.get(customer) in chosen
    }
    return _cut(source, out, orders)


def single_state(source: Path, out: Path, state: str = "SP") -> dict[str, int]:
    """Only the customers of one `state` (two-letter UF) and their orders' rows."""
    source, out = _prepare(source, out)
    customer, customer_state = (
        _column(t.CUSTOMERS, "customer_id"),
        _column(t.CUSTOMERS, "customer_state"),
    )
    local = {
        fields[customer] for fields in _scan(source, t.CUSTOMERS) if fields[customer_state] == state
    }
    orders = {order for order, c in _order_customers(source).items() if c in local}
    return _cut(source, out, _require(orders, f"of a customer in state {state!r}"))


def one_time_buyers(source: Path, out: Path) -> dict[str, int]:
    """Every person's first order only (by purchase timestamp, then order_id),
    with its rows: a dataset where everybody ordered exactly once."""
    source, out = _prepare(source, out)
    person_of = _people(source)
    order, customer, purchase = (
        _column(t.ORDERS, "order_id"),
        _column(t.ORDERS, "customer_id"),
        _column(t.ORDERS, "order_purchase_timestamp"),
    )
    first: dict[str, tuple[str, str]] = {}
    for fields in _scan(source, t.ORDERS):
        person = person_of.get(fields[customer])
        if person is None:  # an order of an unknown customer is an orphan: left out
            continue
        # YYYY-MM-DD HH:MM:SS sorts as text; the id breaks ties the same way every run.
        key = (fields[purchase], fields[order])
        if person not in first or key < first[person]:
            first[person] = key
    return _cut(source, out, {order_id for _, order_id in first.values()})


SHAPES: dict[str, Shape] = {
    shape.name: shape
    for shape in (
        Shape("one_month", "only the orders purchased in 2017-11, with their rows", one_month),
        Shape(
            "sparse_coverage",
            "all orders, but items, reviews and geolocation for about 5 % of them",
            sparse_coverage,
        ),
        Shape(
            "sparse_reviews_and_locations",
            "all orders and items, but reviews and geolocation for about 5 % of the orders",
            sparse_reviews_and_locations,
        ),
        Shape(
            "reviews_header_only",
            "all data, but the reviews file holds only its header",
            reviews_header_only,
        ),
        Shape(
            "geolocation_no_match",
            "all data, but no geolocation zip prefix matches a customer or seller",
            geolocation_no_match,
        ),
        Shape("population_150", "exactly 150 people with all their orders", population),
        Shape("single_state", "only the customers of SP and their orders", single_state),
        Shape("one_time_buyers", "every person's first order only", one_time_buyers),
    )
}


def _shape(name: str) -> Shape:
    if name not in SHAPES:
        raise ValueError(f"unknown shape {name!r}; known shapes: {', '.join(SHAPES)}")
    return SHAPES[name]


def write_shape(name: str, source_dir: Path, out_dir: Path) -> dict[str, int]:
    """Cut shape `name` from the complete dataset in `source_dir` into
    `out_dir`; returns the records written per file (headers not counted)."""
    return _shape(name).write(Path(source_dir), Path(out_dir))


def generate_shape(name: str, out_dir: Path, *, scale: float, seed: int) -> dict[str, int]:
    """Generate the complete synthetic dataset in a scratch folder and write
    shape `name` of it into `out_dir`; returns the records written per file."""
    shape = _shape(name)  # an unknown name fails before the generation
    with tempfile.TemporaryDirectory(prefix="olist-complete-") as scratch:
        generate(Path(scratch), scale=scale, seed=seed)
        return shape.write(Path(scratch), Path(out_dir))
