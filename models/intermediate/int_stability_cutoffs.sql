{#- One row per cutoff of the series in var stability_cutoffs: every month end
    from first_month_end to last_month_end that is not after the marts' as-of
    date, with the instant it ends. Policy in docs block `snapshot_policy`. -#}
{%- set series = var('stability_cutoffs') -%}
{%- set date_pattern = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' -%}
{%- if series is not mapping
    or not modules.re.match(date_pattern, series.get('first_month_end') | string)
    or not modules.re.match(date_pattern, series.get('last_month_end') | string) -%}
    {{ exceptions.raise_compiler_error("var stability_cutoffs must map first_month_end and last_month_end to month ends written YYYY-MM-DD (for example {first_month_end: '2017-01-31', last_month_end: '2018-08-31'}); got: " ~ series) }}
{%- endif -%}
with

int_as_of_date as (
    select as_of_date
    from {{ ref('int_as_of_date') }}
),

month_ends as (
    {{ month_ends(series['first_month_end'], series['last_month_end']) }}
),

kept as (
    -- A cutoff after the marts' as-of date would describe days the marts do
    -- not cover yet: drop it.
    select month_ends.month_end_date as as_of_date
    from month_ends
    inner join int_as_of_date
        on month_ends.month_end_date <= int_as_of_date.as_of_date
),

final as (
    select
        as_of_date,
        -- Everything known strictly before this instant counts: the whole of
        -- the month's last day and nothing after it (as in int_as_of_date).
        cast(as_of_date as timestamp) + interval 1 day as cutoff_at
    from kept
)

select * from final
