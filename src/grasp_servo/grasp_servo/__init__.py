"""Closed-loop grasp servoing: CEM over a scoring model, heuristics, workspace and robot profiles."""
