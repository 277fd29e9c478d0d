def validated(serializer_class, data, **context):
    """The validated data of an input serializer; a failure raises DRF's ValidationError, answered as
    docs/api/errors.md#validation-failures says."""
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
