"""Test doubles shipped with the package, for the arena's tests, benchmarks and demos.

``arena.testing.upstream.FakeUpstream`` is a local HTTP server that speaks the real
OpenAI and Anthropic streaming protocols. (The in-process fake model is
``arena.providers.fake``.) Nothing here is imported by the app itself.
"""
