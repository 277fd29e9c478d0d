class ElasticsearchBackend:
    name = "elasticsearch"
