{#- Every day's rejects, kept: audit_rejected_rows holds the rows the files
    of the last build reject, and a row fixed in a later file leaves it; here
    each as-of date's rejects stay, appended by the first build of that date
    (a re-run of a day adds nothing). Incremental and never fully refreshed
    (config in _audit__models.yml), like the key maps. -#}
with

audit_rejected_rows as (
    select
        source_file,
        source_row_number,
        reject_column,
        reject_value,
        reject_reason
    from {{ ref('audit_rejected_rows') }}
),

int_as_of_date as (
    select as_of_date
    from {{ ref('int_as_of_date') }}
),

dated as (
    select
        int_as_of_date.as_of_date,
        audit_rejected_rows.source_file,
        audit_rejected_rows.source_row_number,
        audit_rejected_rows.reject_column,
        audit_rejected_rows.reject_value,
        audit_rejected_rows.reject_reason
    from audit_rejected_rows
    cross join int_as_of_date
    {%- if is_incremental() %}
    where
        int_as_of_date.as_of_date not in (
            select recorded.as_of_date
            from {{ this }} as recorded
        )
    {%- endif %}
)

select * from dated
