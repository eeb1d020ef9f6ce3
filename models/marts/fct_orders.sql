{{ orders_as_of(ref('int_as_of_date')) }}
