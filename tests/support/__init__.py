"""What the tests share: helpers (the program under mocks, the secret search, the bad-input case
format, the real faas-cli) and data (the corpus, the case folders, the Function comparison).
Nothing here is a test; test modules import from here, never from each other."""
