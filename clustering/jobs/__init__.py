"""Jobs: one function per CLI verb that opens the warehouse and loads the model
once, hands them down to the model layer and writes the results back.

fit, score, the all-or-nothing segment job, the stability backtest, the
monitor and the daily refresh.
"""
