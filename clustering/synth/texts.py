"""Short Portuguese review titles and messages, composed from fragments.

Written for this project in the tone of marketplace reviews. Messages can
hold commas and line breaks, so the writer has to quote them.
"""

from __future__ import annotations

import numpy as np

_POSITIVE = (
    "Produto chegou antes do prazo",
    "recomendo o vendedor",
    "ótima qualidade",
    "entrega rápida",
    "tudo certo com a compra",
    "produto conforme a descrição",
    "muito bom",
    "superou minhas expectativas",
    "bem embalado",
    "chegou tudo direitinho",
    "comprarei novamente",
    "excelente custo benefício",
    "adorei o produto",
    "minha filha amou o presente",
    "loja confiável",
    "Parabéns pelo atendimento",
    "produto original",
    "recebi em perfeito estado",
)
_NEUTRAL = (
    "produto ok",
    "a cor é um pouco diferente da foto",
    "demorou um pouco mas chegou",
    "atendeu o que eu esperava",
    "qualidade razoável pelo preço",
    "poderia vir melhor embalado",
    "o tamanho é menor do que parece",
    "entrega dentro do prazo",
    "nada de especial",
)
_NEGATIVE = (
    "Ainda não recebi o produto",
    "produto não foi entregue",
    "entrega muito atrasada",
    "veio com defeito",
    "comprei 2 unidades e só recebi 1",
    "não recomendo",
    "produto diferente do anunciado",
    "aguardo retorno do vendedor",
    "já passou do prazo e nada",
    "veio quebrado",
    "quero meu dinheiro de volta",
    "péssimo atendimento",
    "faltou uma peça",
    "10 dias de atraso",
)
_TITLES_GOOD = (
    "Recomendo",
    "Super recomendo",
    "Ótimo",
    "Excelente",
    "Muito bom",
    "Adorei",
    "Perfeito",
)
_TITLES_MID = ("Bom", "Ok", "Razoável", "Regular")
_TITLES_BAD = ("Não recebi", "Péssimo", "Atrasou", "Decepcionado", "Produto errado", "Ruim")


def _compose(rng: np.random.Generator, pools: list[tuple[str, ...]], n: int) -> list[str]:
    n_frag = rng.choice([1, 2, 3], size=n, p=[0.55, 0.35, 0.10])
    sep = rng.choice([", ", ". ", " ", "\r\n"], size=n, p=[0.45, 0.3, 0.17, 0.08])
    picks = [rng.integers(0, len(p), size=(n, 3)) for p in pools]
    out = []
    for i in range(n):
        pool_i = i % len(pools)
        pool = pools[pool_i]
        frags = [pool[j] for j in picks[pool_i][i, : n_frag[i]]]
        out.append(str(sep[i]).join(dict.fromkeys(frags)))
    return out


def review_messages(rng: np.random.Generator, score: np.ndarray) -> np.ndarray:
    """A message per review, in a tone matching its score."""
    out = np.empty(len(score), dtype=object)
    groups = [(score >= 4, _POSITIVE), (score == 3, _NEUTRAL), (score <= 2, _NEGATIVE)]
    for mask, pool in groups:
        idx = np.flatnonzero(mask)
        out[idx] = _compose(rng, [pool], len(idx))
    return out


def review_titles(rng: np.random.Generator, score: np.ndarray) -> np.ndarray:
    """A short title per review, in a tone matching its score."""
    out = np.empty(len(score), dtype=object)
    for mask, pool in (
        (score >= 4, _TITLES_GOOD),
        (score == 3, _TITLES_MID),
        (score <= 2, _TITLES_BAD),
    ):
        idx = np.flatnonzero(mask)
        out[idx] = np.asarray(pool, dtype=object)[rng.integers(0, len(pool), size=len(idx))]
    return out
