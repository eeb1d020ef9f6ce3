with

stg_olist__order_items as (
    select
        order_id,
        product_id,
        seller_id,
        price_brl,
        freight_brl
    from {{ ref('stg_olist__order_items') }}
),

stg_olist__products as (
    select
        product_id,
        product_category_name
    from {{ ref('stg_olist__products') }}
),

stg_olist__product_category_name_translation as (
    select
        product_category_name,
        product_category_name_english
    from {{ ref('stg_olist__product_category_name_translation') }}
),

items_categorised as (
    select
        stg_olist__order_items.order_id,
        stg_olist__order_items.product_id,
        stg_olist__order_items.seller_id,
        stg_olist__order_items.price_brl,
        stg_olist__order_items.freight_brl,
        -- Untranslated categories keep their Portuguese name; products without
        -- a category are 'uncategorised' (see docs block category_policy).
        coalesce(
            stg_olist__product_category_name_translation.product_category_name_english,
            stg_olist__products.product_category_name,
            'uncategorised'
        ) as category_name
    from stg_olist__order_items
    left join stg_olist__products
        on stg_olist__order_items.product_id = stg_olist__products.product_id
    left join stg_olist__product_category_name_translation
        on stg_olist__products.product_category_name
            = stg_olist__product_category_name_translation.product_category_name
),

category_ranked as (
    select
        order_id,
        category_name,
        row_number() over (
            partition by order_id
            order by sum(price_brl) desc, category_name asc
        ) as category_rank
    from items_categorised
    group by order_id, category_name
),

aggregated as (
    select
        order_id,
        cast(count(*) as integer) as count_item_lines,
        cast(count(distinct product_id) as integer) as count_distinct_products,
        cast(count(distinct seller_id) as integer) as count_distinct_sellers,
        cast(count(distinct category_name) as integer) as count_distinct_categories,
        cast(sum(price_brl) as decimal(18, 2)) as items_value_brl,
        cast(sum(freight_brl) as decimal(18, 2)) as freight_brl
    from items_categorised
    group by order_id
),

final as (
    select
        aggregated.order_id,
        aggregated.count_item_lines,
        aggregated.count_distinct_products,
        aggregated.count_distinct_sellers,
        aggregated.count_distinct_categories,
        aggregated.items_value_brl,
        aggregated.freight_brl,
        category_ranked.category_name as main_category_name
    from aggregated
    inner join category_ranked
        on aggregated.order_id = category_ranked.order_id
            and category_ranked.category_rank = 1
)

select * from final
