"""The built app read as files (frontend/dist, built by `make build`): what a first visit fetches
and what the first screen waits for. Sizes of built files do not vary between runs, so unlike
times (bench/) they are checked here."""
