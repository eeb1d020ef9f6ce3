{#
    A select of every month end from `first_month_end` to `last_month_end`
    (dates written YYYY-MM-DD, both included), one row each in the column
    month_end_date (date): for 2016-01-31 to 2016-04-30 it gives 2016-01-31,
    2016-02-29, 2016-03-31 and 2016-04-30. Formula: last_day() of each month
    start in the series from the first date's month to the last date's month,
    so months of 28 to 31 days and leap years come out right (stepping a month
    end by one month would drift: 01-31 -> 02-28 -> 03-28). The dates must be
    month ends, the first not after the last. default__ is Spark SQL
    (sequence, explode, last_day), as the project's other default__ macros.
#}
{% macro month_ends(first_month_end, last_month_end) -%}
    {%- for name, value in [('first_month_end', first_month_end), ('last_month_end', last_month_end)] -%}
        {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value | string) -%}
            {{ exceptions.raise_compiler_error("month_ends: " ~ name ~ " must be a date written YYYY-MM-DD (for example 2018-08-31); got: " ~ value) }}
        {%- endif -%}
        {%- set year, month, day = (value | string).split('-') | map('int') -%}
        {%- set next_month_start = modules.datetime.date(year + month // 12, month % 12 + 1, 1) if 1 <= month <= 12 else none -%}
        {%- if next_month_start is none or day != (next_month_start - modules.datetime.timedelta(days=1)).day -%}
            {{ exceptions.raise_compiler_error("month_ends: " ~ name ~ " must be a real date that ends its month (for example 2018-02-28 or 2016-02-29); got: " ~ value) }}
        {%- endif -%}
    {%- endfor -%}
    {%- if (first_month_end | string) > (last_month_end | string) -%}
        {{ exceptions.raise_compiler_error("month_ends: first_month_end " ~ first_month_end ~ " is after last_month_end " ~ last_month_end) }}
    {%- endif -%}
    {{ return(adapter.dispatch('month_ends', 'olist_segments')(first_month_end | string, last_month_end | string)) }}
{%- endmacro %}

{% macro default__month_ends(first_month_end, last_month_end) -%}
    select last_day(month_start) as month_end_date
    from (
        select explode(sequence(
            trunc(cast({{ sql_string_literal(first_month_end) }} as date), 'MM'),
            trunc(cast({{ sql_string_literal(last_month_end) }} as date), 'MM'),
            interval 1 month
        )) as month_start
    ) as month_starts
{%- endmacro %}

{% macro duckdb__month_ends(first_month_end, last_month_end) -%}
    select last_day(month_starts.month_start) as month_end_date
    from generate_series(
        date_trunc('month', cast({{ sql_string_literal(first_month_end) }} as date)),
        date_trunc('month', cast({{ sql_string_literal(last_month_end) }} as date)),
        interval 1 month
    ) as month_starts (month_start)
{%- endmacro %}
