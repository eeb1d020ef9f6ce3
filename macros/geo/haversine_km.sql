{#
    Great-circle distance in kilometres between two points given in decimal
    degrees, by the haversine formula:
        d = 2 R asin( sqrt( sin^2((lat2 - lat1) / 2)
                            + cos(lat1) cos(lat2) sin^2((lng2 - lng1) / 2) ) )
    with R = 6371.0088 km, the mean Earth radius (IUGG). Accurate to about
    0.5 % against the ellipsoid, far below the error of a zip-prefix centroid.
    Null when any coordinate is null. Checked against Sao Paulo - Rio de Janeiro
    in data-tests/assert_haversine_known_city_pair.sql.
#}
{% macro haversine_km(lat1, lng1, lat2, lng2) -%}
    {%- for arg in [lat1, lng1, lat2, lng2] -%}
        {%- if arg is none or (arg | string | trim) == '' -%}
            {{ exceptions.raise_compiler_error("haversine_km needs four coordinate expressions (lat1, lng1, lat2, lng2); got an empty one") }}
        {%- endif -%}
    {%- endfor -%}
    (
        2 * 6371.0088 * asin(sqrt(
            power(sin(radians(({{ lat2 }}) - ({{ lat1 }})) / 2), 2)
            + cos(radians({{ lat1 }})) * cos(radians({{ lat2 }}))
            * power(sin(radians(({{ lng2 }}) - ({{ lng1 }})) / 2), 2)
        ))
    )
{%- endmacro %}
