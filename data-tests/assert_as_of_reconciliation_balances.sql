-- What the as-of date leaves out is accounted for: every staged order is in
-- fct_orders or purchased at or after the cutoff, and Σ payment_value of
-- staging equals Σ payment_total_brl of fct_orders plus the payments of the
-- orders after the cutoff, to the cent (decimal arithmetic, no tolerance).
with

audit_as_of_reconciliation as (
    select
        as_of_date,
        count_orders_staged,
        count_orders_in_marts,
        count_orders_after_cutoff,
        payments_staged_brl,
        payments_in_marts_brl,
        payments_after_cutoff_brl
    from {{ ref('audit_as_of_reconciliation') }}
),

unbalanced as (
    select *
    from audit_as_of_reconciliation
    where count_orders_staged != count_orders_in_marts + count_orders_after_cutoff
        or payments_staged_brl != payments_in_marts_brl + payments_after_cutoff_brl
)

select * from unbalanced
