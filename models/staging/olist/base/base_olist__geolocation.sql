{%- set bbox = var('brazil_bbox') -%}
{%- set parsed = {
    'zip_code_prefix': normalize_zip_prefix('raw_geolocation_zip_code_prefix'),
    'latitude': parse_double('raw_geolocation_lat'),
    'longitude': parse_double('raw_geolocation_lng'),
    'geolocation_city': 'lower(raw_geolocation_city)',
    'geolocation_state': 'upper(raw_geolocation_state)',
    'is_in_brazil':
        parse_double('raw_geolocation_lat') ~ ' between ' ~ bbox.lat_min ~ ' and ' ~ bbox.lat_max
        ~ ' and ' ~ parse_double('raw_geolocation_lng') ~ ' between ' ~ bbox.lng_min ~ ' and ' ~ bbox.lng_max,
} -%}
{#- A point outside Brazil is a valid row (it stays in staging, flagged) but is
    left out of zip centroids; only unreadable coordinates are rejects. -#}
{%- set checks =
    zip_prefix_checks('raw_geolocation_zip_code_prefix', 'zip_code_prefix')
    + required_check('raw_geolocation_lat')
    + required_check('raw_geolocation_lng')
    + [
        {'when': 'latitude is null or abs(latitude) > 90', 'reason': 'invalid_coordinate', 'column': 'geolocation_lat', 'value': 'raw_geolocation_lat'},
        {'when': 'longitude is null or abs(longitude) > 180', 'reason': 'invalid_coordinate', 'column': 'geolocation_lng', 'value': 'raw_geolocation_lng'},
    ]
-%}
{{ olist_base_model('geolocation', parsed, checks) }}
