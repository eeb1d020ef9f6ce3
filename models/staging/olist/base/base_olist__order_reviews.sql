{#- Reads its file only, no model. Whether the review's order is staged
    (orphan_foreign_key) is checked one layer up, in
    stg_olist__orphaned_order_reviews. -#}
{%- set parsed = {
    'review_id': 'raw_review_id',
    'order_id': 'raw_order_id',
    'review_score': parse_integer('raw_review_score'),
    'review_comment_title': 'raw_review_comment_title',
    'review_comment_message': 'raw_review_comment_message',
    'review_created_at': parse_timestamp('raw_review_creation_date'),
    'review_answered_at': parse_timestamp('raw_review_answer_timestamp'),
} -%}
{%- set checks =
    hex_id_checks('raw_review_id')
    + hex_id_checks('raw_order_id')
    + integer_checks('raw_review_score', 'review_score', 1, 5, reason='review_score_out_of_range')
    + timestamp_checks('raw_review_creation_date', 'review_created_at')
    + timestamp_checks('raw_review_answer_timestamp', 'review_answered_at')
-%}
{{ olist_base_model(
    'order_reviews', parsed, checks,
    primary_key=['review_id', 'order_id'],
) }}
