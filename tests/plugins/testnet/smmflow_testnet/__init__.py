"""The test network: an smmflow platform plugin and the fake server it talks to."""
