with

stg_olist__order_payments as (
    select
        order_id,
        payment_type,
        payment_installments,
        payment_value_brl
    from {{ ref('stg_olist__order_payments') }}
),

type_ranked as (
    select
        order_id,
        payment_type,
        row_number() over (
            partition by order_id
            order by sum(payment_value_brl) desc, payment_type asc
        ) as payment_type_rank
    from stg_olist__order_payments
    group by order_id, payment_type
),

aggregated as (
    select
        order_id,
        cast(count(*) as integer) as count_payments,
        cast(sum(payment_value_brl) as decimal(18, 2)) as payment_total_brl,
        {{ sorted_distinct_list('payment_type') }} as payment_types,
        max(payment_installments) as max_installments,
        cast(sum(case when payment_type = 'credit_card' then payment_value_brl else 0 end) as decimal(18, 2))
            as paid_credit_card_brl,
        cast(sum(case when payment_type = 'boleto' then payment_value_brl else 0 end) as decimal(18, 2))
            as paid_boleto_brl,
        cast(sum(case when payment_type = 'voucher' then payment_value_brl else 0 end) as decimal(18, 2))
            as paid_voucher_brl,
        cast(sum(case when payment_type = 'debit_card' then payment_value_brl else 0 end) as decimal(18, 2))
            as paid_debit_card_brl,
        max(case when payment_type = 'voucher' then 1 else 0 end) = 1 as has_voucher
    from stg_olist__order_payments
    group by order_id
),

final as (
    select
        aggregated.*,
        type_ranked.payment_type as main_payment_type
    from aggregated
    inner join type_ranked
        on aggregated.order_id = type_ranked.order_id
            and type_ranked.payment_type_rank = 1
)

select * from final
