"""tinyhil int8 inference engine: .tflite reader, host compiler, C runtime glue, oracle."""
