with

base_olist__product_category_name_translation as (
    select * from {{ ref('base_olist__product_category_name_translation') }}
),

accepted as (
    select
        source_row_number,
        product_category_name,
        product_category_name_english
    from base_olist__product_category_name_translation
    where reject_reason is null
)

select * from accepted
