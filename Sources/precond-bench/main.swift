print("precond-bench: not yet implemented")
