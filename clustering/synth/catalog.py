"""Sellers and products: the marketplace's supply side, held in memory.

The catalogue is drawn a little larger than the real one; the files list only
the products and sellers that actually sold, as the real files do (every
product and seller in them appears in the items). Products are stored grouped
by seller so an order's further items can come from the same shop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clustering.synth import reference as ref
from clustering.synth.categories import CATEGORIES
from clustering.synth.geography import Geography
from clustering.synth.people import N_ARCHETYPES, price_acceptance, product_appeal
from clustering.synth.sampling import draw_from_counts, exact_counts, hex_ids

# Catalogue sizes relative to what ends up sold (calibrated at scale 1).
_PRODUCT_OVERSIZE = 2.0
_SELLER_OVERSIZE = 1.17
_SP_SELLER_SIZE = 1.5  # Sao Paulo shops sell more each (71 % of items, 60 % of sellers)
_PRICE_SIGMA = 0.85
_PRICE_LEVEL = 1.13  # category prices below are medians of the 2017 catalogue
_WEIGHT_SIGMA = 0.95
_WEIGHT_SIGMA_UP = 1.55
_WEIGHT_LEVEL = 0.82
_POPULARITY_SIGMA = 1.3


@dataclass
class Catalog:
    """Products (grouped by seller) and sellers; ``sold`` flags fill in while generating."""

    product_id: np.ndarray
    category: np.ndarray  # index into CATEGORIES, -1 when uncategorised
    name_length: np.ndarray
    description_length: np.ndarray
    photos: np.ndarray
    weight_g: np.ndarray  # -1 when missing
    length_cm: np.ndarray
    height_cm: np.ndarray
    width_cm: np.ndarray
    price_cents: np.ndarray
    seller: np.ndarray
    popularity_cum: np.ndarray
    seller_id: np.ndarray
    seller_place: np.ndarray  # index into Geography
    seller_first: np.ndarray  # first product of each seller
    seller_count: np.ndarray  # products of each seller
    appeal: np.ndarray  # (archetype, category+1) appeal, column 0 for uncategorised
    sold: np.ndarray

    def sample(self, rng: np.random.Generator, archetype: np.ndarray) -> np.ndarray:
        """One product per buyer: popular ones more often, filtered by the buyer's taste.

        Rejection sampling keeps memory flat: candidates come from one
        popularity distribution and are accepted with the archetype's appeal
        for their category and price.
        """
        out = np.empty(len(archetype), dtype=np.int64)
        todo = np.arange(len(archetype))
        price = self.price_cents / 100.0
        while len(todo):
            cand = np.searchsorted(
                self.popularity_cum, rng.random(len(todo)) * self.popularity_cum[-1], side="right"
            )
            cand = np.minimum(cand, len(self.popularity_cum) - 1)
            arch = archetype[todo]
            accept = np.ones(len(todo))
            for a in np.unique(arch):
                m = arch == a
                accept[m] = self.appeal[a, self.category[cand[m]] + 1] * price_acceptance(
                    int(a), price[cand[m]]
                )
            ok = rng.random(len(todo)) < accept
            out[todo[ok]] = cand[ok]
            todo = todo[~ok]
        return out

    def same_seller(self, rng: np.random.Generator, product: np.ndarray) -> np.ndarray:
        """Another product (possibly the same) of the seller of each given product."""
        s = self.seller[product]
        return self.seller_first[s] + (rng.random(len(s)) * self.seller_count[s]).astype(np.int64)


def _charm_prices(rng: np.random.Generator, reais: np.ndarray) -> np.ndarray:
    """Shop prices in cents: most end in .90, .99 or .00 as in Brazilian retail."""
    cents = np.round(reais * 100).astype(np.int64)
    u = rng.random(len(cents))
    whole = cents // 100
    cents = np.where(u < 0.42, whole * 100 + 90, cents)
    cents = np.where((u >= 0.42) & (u < 0.62), whole * 100 + 99, cents)
    cents = np.where((u >= 0.62) & (u < 0.78), whole * 100, cents)
    return np.clip(cents, 85, 673_500)


def build_catalog(rng: np.random.Generator, scale: float, geo: Geography) -> Catalog:
    """Sellers with their shops' products, sized for ``scale``."""
    n_sellers = max(round(ref.REAL_SELLERS * scale * _SELLER_OVERSIZE), 3)
    n_products = max(round(ref.REAL_PRODUCTS * scale * _PRODUCT_OVERSIZE), n_sellers)

    # Sellers: exact state mix, location from the seller-weighted prefixes.
    states = exact_counts(ref.SELLERS_BY_STATE, n_sellers)
    state_code = np.repeat(list(states), list(states.values()))
    state_code = state_code[rng.permutation(n_sellers)]
    state_idx = np.array([geo.states.index(s) for s in state_code])
    ghost = rng.random(n_sellers) < ref.SELLERS_WITHOUT_GEOLOCATION / ref.REAL_SELLERS
    place = np.where(
        ghost,
        geo.seller_ghost_sampler.draw(rng, state_idx),
        geo.seller_sampler.draw(rng, state_idx),
    )
    size = np.exp(1.6 * rng.standard_normal(n_sellers)) * np.where(
        state_code == "SP", _SP_SELLER_SIZE, 1.0
    )
    per_seller = 1 + rng.multinomial(n_products - n_sellers, size / size.sum())
    seller = np.repeat(np.arange(n_sellers, dtype=np.int32), per_seller)
    seller_first = np.cumsum(per_seller) - per_seller

    # Products.
    cat_share = np.array([c.products for c in CATEGORIES], dtype=float)
    category = rng.choice(len(CATEGORIES), size=n_products, p=cat_share / cat_share.sum())
    no_cat = rng.random(n_products) < ref.PRODUCTS_WITHOUT_CATEGORY / ref.REAL_PRODUCTS
    category = np.where(no_cat, -1, category)
    base_price = np.append([c.price for c in CATEGORIES], 75.0)[category]
    base_weight = np.append([c.weight_g for c in CATEGORIES], 900.0)[category]
    z_price = rng.standard_normal(n_products)
    z_weight = 0.45 * z_price + np.sqrt(1 - 0.45**2) * rng.standard_normal(n_products)
    price_cents = _charm_prices(rng, _PRICE_LEVEL * base_price * np.exp(_PRICE_SIGMA * z_price))
    # Weights are skewed even in log scale: a long tail of furniture and appliances.
    log_spread = np.where(z_weight > 0, _WEIGHT_SIGMA_UP, _WEIGHT_SIGMA)
    weight = np.clip(_WEIGHT_LEVEL * base_weight * np.exp(log_spread * z_weight), 0, 40_425)
    weight = np.where(rng.random(n_products) < 0.4, np.round(weight / 50) * 50, np.round(weight))
    weight = weight.astype(np.int32)
    side = np.cbrt(np.maximum(weight, 50) / 700.0)
    length = np.clip(np.round(25 * side * np.exp(0.35 * rng.standard_normal(n_products))), 7, 105)
    height = np.clip(np.round(12 * side * np.exp(0.6 * rng.standard_normal(n_products))), 2, 105)
    width = np.clip(np.round(19 * side * np.exp(0.35 * rng.standard_normal(n_products))), 6, 118)
    no_dims = rng.random(n_products) < ref.PRODUCTS_WITHOUT_DIMENSIONS / ref.REAL_PRODUCTS
    weight[no_dims] = -1

    name_length = np.clip(np.round(rng.normal(48.5, 10.2, n_products)), 5, 76)
    desc_length = np.clip(np.round(595 * np.exp(0.78 * rng.standard_normal(n_products))), 4, 3992)
    photos = draw_from_counts(rng, ref.PRODUCT_PHOTOS, n_products)

    # Popularity: a product's own pull times its shop's reputation.
    shop = np.exp(0.6 * rng.standard_normal(n_sellers))[seller]
    popularity = np.exp(_POPULARITY_SIGMA * rng.standard_normal(n_products)) * shop

    tags = [frozenset()] + [c.tags for c in CATEGORIES]
    appeal = np.vstack([product_appeal(a, tags) for a in range(N_ARCHETYPES)])

    return Catalog(
        # Compact dtypes: at scale 100 the catalogue holds millions of products.
        product_id=hex_ids(rng, n_products, as_bytes=True),
        category=category.astype(np.int16),
        name_length=name_length.astype(np.int16),
        description_length=desc_length.astype(np.int16),
        photos=photos.astype(np.int16),
        weight_g=weight,
        length_cm=length.astype(np.int16),
        height_cm=height.astype(np.int16),
        width_cm=width.astype(np.int16),
        price_cents=price_cents,
        seller=seller,
        popularity_cum=np.cumsum(popularity),
        seller_id=hex_ids(rng, n_sellers, as_bytes=True),
        seller_place=place,
        seller_first=seller_first,
        seller_count=per_seller,
        appeal=appeal,
        sold=np.zeros(n_products, dtype=bool),
    )
