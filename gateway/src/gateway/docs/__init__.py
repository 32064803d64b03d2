"""One API document: the services' OpenAPI merged with the gateway's own, and the AsyncAPI document."""
