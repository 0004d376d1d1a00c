"""OInt compatibility: the registry of OInt's functions, parameter kinds, the functions'
declarations (`methods/`), the flows of their successors, the endpoint policy and `OzonClient`."""
