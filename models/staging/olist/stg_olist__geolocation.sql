with

base_olist__geolocation as (
    select * from {{ ref('base_olist__geolocation') }}
),

accepted as (
    select
        source_row_number,
        zip_code_prefix,
        latitude,
        longitude,
        geolocation_city,
        geolocation_state,
        is_in_brazil
    from base_olist__geolocation
    where reject_reason is null
)

select * from accepted
