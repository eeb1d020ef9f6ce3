with

stg_olist__geolocation as (
    select
        zip_code_prefix,
        latitude,
        longitude,
        is_in_brazil
    from {{ ref('stg_olist__geolocation') }}
),

located as (
    select
        zip_code_prefix,
        {{ median('case when is_in_brazil then latitude end') }} as latitude,
        {{ median('case when is_in_brazil then longitude end') }} as longitude,
        sum(case when is_in_brazil then 1 else 0 end) as count_points_in_brazil,
        sum(case when is_in_brazil then 0 else 1 end) as count_points_outside_brazil
    from stg_olist__geolocation
    group by zip_code_prefix
)

select * from located
