"""Locust users of the marketing app (benchmarks/app.py runs them).

A marketer opens pages and changes builder filters, with a pause between
actions. Each request is what the browser sends: a page load is the index
HTML, Dash's layout and dependencies, then the routing callback that draws
the page; a builder update is the builder's one callback with the new filter
values; a movements update redraws the matrix for another period. Request
names group the figures per page and per kind of update.

The choices (segment ids, names, states, dates) come from the environment,
written by benchmarks/app.py from the warehouse under test.
"""

from __future__ import annotations

import json
import os
import random

from locust import HttpUser, between, task

from clustering.app.pages.builder import CONTROLS, UPDATE_OUTPUTS

CHOICES = json.loads(os.environ["APP_BENCHMARK_CHOICES"])
PAGES = {
    "overview": "/",
    "segment": "/segment?id={segment_id}",
    "audiences": "/audiences",
    "movements": "/movements",
    "maintenance": "/maintenance",
    "customer": "/customer",
    "dictionary": "/dictionary?table=segments.dim_customer_segments",
}


def body(
    outputs: tuple[str, ...],
    inputs: list[tuple[str, str, object]],
    state: list[tuple[str, str, object]] = (),
) -> dict:
    """What Dash's front end posts when the first of `inputs` changes."""
    described = [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in outputs]
    single = len(outputs) == 1  # Dash names one output plainly, several wrapped in dots
    return {
        "output": outputs[0] if single else ".." + "...".join(outputs) + "..",
        "outputs": described[0] if single else described,
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
    }


def random_filter() -> dict[str, object]:
    """One to four filters, as a marketer narrows an audience."""
    options = {
        "segments": lambda: random.sample(CHOICES["segments"], random.randint(1, 2)),
        "states": lambda: random.sample(CHOICES["states"], random.randint(1, 3)),
        "rfm_groups": lambda: random.sample(CHOICES["rfm_groups"], 1),
        "max_recency_days": lambda: random.choice([90, 180, 365]),
        "min_spend_brl": lambda: random.choice([50, 100, 300]),
        "min_confidence": lambda: random.choice([0.3, 0.5]),
        "value_bands": lambda: random.sample(CHOICES["value_bands"], 1),
    }
    if not CHOICES["value_bands"]:
        options.pop("value_bands")
    chosen = random.sample(sorted(options), random.randint(1, 4))
    return {name: options[name]() for name in chosen}


class Marketer(HttpUser):
    wait_time = between(0.5, 2)

    def load(self, page: str) -> None:
        path = PAGES[page].format(segment_id=random.choice(CHOICES["segment_ids"]))
        pathname, _, search = path.partition("?")
        self.client.get(path, name="page: index html")
        self.client.get("/_dash-layout", name="page: dash layout")
        self.client.get("/_dash-dependencies", name="page: dash dependencies")
        self.client.post(
            "/_dash-update-component",
            json=body(
                ("nav.children", "status.children", "page.children"),
                [("url", "pathname", pathname), ("url", "search", f"?{search}" if search else "")],
            ),
            name=f"page: {page}",
        )

    @task(6)
    def page(self) -> None:
        self.load(random.choice(list(PAGES)))

    @task(10)
    def builder_update(self) -> None:
        raw = random_filter()
        inputs = [(cid, "value", raw.get(name)) for cid, name in CONTROLS.items()]
        with self.client.post(
            "/_dash-update-component",
            json=body(UPDATE_OUTPUTS, inputs),
            name="builder update",
            catch_response=True,
        ) as response:
            if "audience-count" not in response.text:
                response.failure(f"no count in the answer: {response.text[:200]}")

    def post(self, name: str, payload: dict, expect: str) -> None:
        with self.client.post(
            "/_dash-update-component", json=payload, name=name, catch_response=True
        ) as response:
            if expect not in response.text:
                response.failure(f"no {expect} in the answer: {response.text[:200]}")

    @task(2)
    def movements_update(self) -> None:
        start, end = sorted(random.sample(CHOICES["dates"], 2))
        self.post(
            "movements update",
            body(
                ("moves-matrix.figure", "moves-summary.children", "moves-error.children"),
                [("moves-start", "value", start), ("moves-end", "value", end)],
            ),
            "moves-matrix",
        )

    @task(2)
    def movement_cell(self) -> None:
        """The customers behind a cell: the stayed cell, the largest there is."""
        start, end = sorted(random.sample(CHOICES["dates"], 2))
        segment = random.choice(CHOICES["segment_ids"])
        self.post(
            "movements cell",
            body(
                ("moves-cell.children",),
                [
                    ("moves-start", "value", start),
                    ("moves-end", "value", end),
                    ("moves-from", "value", segment),
                    ("moves-to", "value", segment),
                ],
            ),
            "moves-cell-count",
        )

    @task(2)
    def customer_look_up(self) -> None:
        person = random.choice(CHOICES["customer_ids"])
        self.post(
            "customer look-up",
            body(
                ("customer-result.children",),
                [("customer-go", "n_clicks", 1), ("customer-id", "value", person)],
                [("customer-id", "value", person)],
            ),
            "customer-segment",
        )
