"""The 73 product categories of the Olist catalogue, from public knowledge of the dataset.

Per category: English name as in the translation file (``None`` for the two
that the file lacks), approximate number of products in the real catalogue,
typical price (R$) and typical weight (g), and the buyer tastes it serves.
"""

from __future__ import annotations

from typing import NamedTuple


class Category(NamedTuple):
    name: str
    english: str | None
    products: int
    price: float
    weight_g: float
    tags: frozenset[str] = frozenset()


def _c(
    name: str, english: str | None, products: int, price: float, weight: float, *tags: str
) -> Category:
    return Category(name, english, products, price, weight, frozenset(tags))


# In the order of the translation file.
CATEGORIES: tuple[Category, ...] = (
    _c("beleza_saude", "health_beauty", 2444, 75, 500, "gift", "bargain", "consumable"),
    _c("informatica_acessorios", "computers_accessories", 1639, 70, 500, "big"),
    _c("automotivo", "auto", 1900, 75, 900),
    _c("cama_mesa_banho", "bed_bath_table", 3029, 70, 1500, "home", "bargain"),
    _c("moveis_decoracao", "furniture_decor", 2657, 60, 2000, "home"),
    _c("esporte_lazer", "sports_leisure", 2867, 75, 800),
    _c("perfumaria", "perfumery", 868, 75, 350, "gift", "consumable"),
    _c("utilidades_domesticas", "housewares", 2335, 55, 1200, "home", "bargain"),
    _c("telefonia", "telephony", 1134, 28, 200, "bargain"),
    _c("relogios_presentes", "watches_gifts", 1329, 125, 350, "gift"),
    _c("alimentos_bebidas", "food_drink", 104, 40, 800, "consumable"),
    _c("bebes", "baby", 919, 75, 1200, "consumable", "home"),
    _c("papelaria", "stationery", 849, 55, 600, "bargain"),
    _c("tablets_impressao_imagem", "tablets_printing_image", 9, 80, 400),
    _c("brinquedos", "toys", 1411, 75, 800, "gift"),
    _c("telefonia_fixa", "fixed_telephony", 116, 90, 600, "big"),
    _c("ferramentas_jardim", "garden_tools", 753, 55, 1200, "home"),
    _c("fashion_bolsas_e_acessorios", "fashion_bags_accessories", 849, 40, 350, "gift", "bargain"),
    _c("eletroportateis", "small_appliances", 231, 140, 2500, "big"),
    _c("consoles_games", "consoles_games", 317, 65, 400, "gift"),
    _c("audio", "audio", 58, 90, 500),
    _c("fashion_calcados", "fashion_shoes", 173, 85, 600),
    _c("cool_stuff", "cool_stuff", 789, 110, 1500, "gift"),
    _c("malas_acessorios", "luggage_accessories", 349, 110, 3000),
    _c("climatizacao", "air_conditioning", 124, 110, 3000, "big"),
    _c("construcao_ferramentas_construcao", "construction_tools_construction", 400, 85, 2000),
    _c(
        "moveis_cozinha_area_de_servico_jantar_e_jardim",
        "kitchen_dining_laundry_garden_furniture",
        94,
        120,
        8000,
        "big",
        "home",
    ),
    _c("construcao_ferramentas_jardim", "costruction_tools_garden", 88, 60, 1000),
    _c("fashion_roupa_masculina", "fashion_male_clothing", 95, 65, 400, "bargain"),
    _c("pet_shop", "pet_shop", 719, 55, 1300, "consumable"),
    _c("moveis_escritorio", "office_furniture", 309, 180, 10000, "big"),
    _c("market_place", "market_place", 104, 85, 1000),
    _c("eletronicos", "electronics", 517, 32, 300, "bargain"),
    _c("eletrodomesticos", "home_appliances", 370, 65, 2000, "home"),
    _c("artigos_de_festas", "party_supplies", 26, 40, 500, "gift"),
    _c("casa_conforto", "home_confort", 111, 65, 1500, "home"),
    _c("construcao_ferramentas_ferramentas", "costruction_tools_tools", 39, 75, 1200),
    _c("agro_industria_e_comercio", "agro_industry_and_commerce", 74, 140, 4000, "big"),
    _c("moveis_colchao_e_estofado", "furniture_mattress_and_upholstery", 10, 100, 6000, "home"),
    _c("livros_tecnicos", "books_technical", 123, 65, 700),
    _c("casa_construcao", "home_construction", 225, 85, 2500, "home"),
    _c("instrumentos_musicais", "musical_instruments", 289, 120, 2500, "big"),
    _c("moveis_sala", "furniture_living_room", 156, 110, 5000, "big", "home"),
    _c("construcao_ferramentas_iluminacao", "construction_tools_lights", 78, 75, 900),
    _c("industria_comercio_e_negocios", "industry_commerce_and_business", 68, 120, 4000, "big"),
    _c("alimentos", "food", 82, 35, 600, "consumable", "bargain"),
    _c("artes", "art", 55, 55, 800),
    _c("moveis_quarto", "furniture_bedroom", 45, 140, 9000, "big", "home"),
    _c("livros_interesse_geral", "books_general_interest", 216, 38, 500, "bargain"),
    _c("construcao_ferramentas_seguranca", "construction_tools_safety", 91, 95, 1500),
    _c("fashion_underwear_e_moda_praia", "fashion_underwear_beach", 53, 45, 250, "bargain"),
    _c("fashion_esporte", "fashion_sport", 19, 55, 300),
    _c("sinalizacao_e_seguranca", "signaling_and_security", 93, 55, 800),
    _c("pcs", "computers", 30, 950, 6000, "big"),
    _c("artigos_de_natal", "christmas_supplies", 65, 38, 600, "gift"),
    _c("fashion_roupa_feminina", "fashio_female_clothing", 27, 55, 300, "bargain"),
    _c("eletrodomesticos_2", "home_appliances_2", 90, 330, 8000, "big"),
    _c("livros_importados", "books_imported", 31, 55, 500),
    _c("bebidas", "drinks", 81, 45, 1500, "consumable"),
    _c("cine_foto", "cine_photo", 28, 65, 600),
    _c("la_cuisine", "la_cuisine", 10, 140, 2000, "big"),
    _c("musica", "music", 27, 85, 600),
    _c("casa_conforto_2", "home_comfort_2", 5, 30, 800, "home"),
    _c(
        "portateis_casa_forno_e_cafe",
        "small_appliances_home_oven_and_coffee",
        31,
        420,
        4000,
        "big",
    ),
    _c("cds_dvds_musicais", "cds_dvds_musicals", 1, 50, 200),
    _c("dvds_blu_ray", "dvds_blu_ray", 48, 45, 300),
    _c("flores", "flowers", 14, 30, 400, "gift"),
    _c("artes_e_artesanato", "arts_and_craftmanship", 19, 45, 400),
    _c("fraldas_higiene", "diapers_and_hygiene", 12, 40, 2000, "consumable"),
    _c("fashion_roupa_infanto_juvenil", "fashion_childrens_clothes", 5, 50, 300),
    _c("seguros_e_servicos", "security_and_services", 2, 140, 500),
    # Present in the catalogue, missing from the translation file.
    _c("pc_gamer", None, 3, 160, 1000, "big"),
    _c(
        "portateis_cozinha_e_preparadores_de_alimentos",
        None,
        10,
        140,
        3000,
        "big",
    ),
)
