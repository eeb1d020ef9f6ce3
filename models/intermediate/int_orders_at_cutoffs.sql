{{ orders_as_of(ref('int_stability_cutoffs')) }}
