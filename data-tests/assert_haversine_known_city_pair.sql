-- haversine_km against known distances; returns the cases that miss.
-- Sao Paulo (Praca da Se) to Rio de Janeiro (Centro): about 361 km great-circle
-- (published road-atlas figure 357-361 km; allow 1.5 %). One degree of
-- latitude along a meridian: 2 pi R / 360 = 111.195 km for R = 6371.0088 km.
-- The same point: 0 km. A null coordinate: null.
with

cases as (
    select
        'sao paulo - rio de janeiro' as case_name,
        {{ haversine_km('-23.5505', '-46.6333', '-22.9068', '-43.1729') }} as distance_km,
        361.0 as expected_km,
        0.015 * 361.0 as tolerance_km
    union all
    select
        'one degree of latitude' as case_name,
        {{ haversine_km('-10.0', '-50.0', '-11.0', '-50.0') }} as distance_km,
        111.195 as expected_km,
        0.001 as tolerance_km
    union all
    select
        'same point' as case_name,
        {{ haversine_km('-23.5505', '-46.6333', '-23.5505', '-46.6333') }} as distance_km,
        0.0 as expected_km,
        0.000001 as tolerance_km
    union all
    select
        'symmetric' as case_name,
        {{ haversine_km('-22.9068', '-43.1729', '-23.5505', '-46.6333') }} as distance_km,
        {{ haversine_km('-23.5505', '-46.6333', '-22.9068', '-43.1729') }} as expected_km,
        0.000001 as tolerance_km
),

null_case as (
    select {{ haversine_km('cast(null as double)', '-46.6', '-22.9', '-43.1') }} as distance_km
),

failures as (
    select case_name
    from cases
    where abs(distance_km - expected_km) > tolerance_km
    union all
    select 'null coordinate gives a distance' as case_name
    from null_case
    where distance_km is not null
)

select * from failures
