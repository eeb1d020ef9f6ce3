with

base_olist__order_reviews as (
    select
        source_row_number,
        review_id,
        order_id,
        review_score,
        review_comment_title,
        review_comment_message,
        review_created_at,
        review_answered_at,
        reject_reason
    from {{ ref('base_olist__order_reviews') }}
),

stg_olist__orphaned_order_reviews as (
    select source_row_number
    from {{ ref('stg_olist__orphaned_order_reviews') }}
),

accepted as (
    -- Rows without a reason in the base model, less those whose parent is
    -- not staged (stg_olist__orphaned_order_reviews).
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
    where
        reject_reason is null
        and source_row_number not in (
            select stg_olist__orphaned_order_reviews.source_row_number
            from stg_olist__orphaned_order_reviews
        )
)

select * from accepted
