with

base_olist__order_reviews as (
    select * from {{ ref('base_olist__order_reviews') }}
),

accepted as (
    select
        source_row_number,
        review_id,
        order_id,
        review_score,
        review_comment_title,
        review_comment_message,
        review_created_at,
        review_answered_at
    from base_olist__order_reviews
    where reject_reason is null
)

select * from accepted
