"""Jobs: open positions, their pay band and their interview plan."""
