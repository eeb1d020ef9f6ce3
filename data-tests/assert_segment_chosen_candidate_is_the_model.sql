-- The candidate chosen at the last fit is the model recorded under
-- model_selection.model_version in segment_models: same family, same size.
with

model_selection as (
    select
        model_version,
        candidate,
        family,
        n_segments
    from {{ source('segments', 'model_selection') }}
    where is_chosen
),

segment_models as (
    select
        model_version,
        family,
        n_segments
    from {{ source('segments', 'segment_models') }}
),

final as (
    select
        model_selection.model_version,
        model_selection.candidate,
        model_selection.family,
        model_selection.n_segments,
        segment_models.family as model_family,
        segment_models.n_segments as model_n_segments
    from model_selection
    left join segment_models
        on model_selection.model_version = segment_models.model_version
    where segment_models.model_version is null
        or segment_models.family != model_selection.family
        or segment_models.n_segments != model_selection.n_segments
)

select * from final
