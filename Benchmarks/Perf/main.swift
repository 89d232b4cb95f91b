print("perf: not yet implemented")
