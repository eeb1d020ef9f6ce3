"""Operations: running dbt, publishing a warehouse version, comparing two builds."""
