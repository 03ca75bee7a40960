"""NAS search spaces, sampling, resource counting and model building (see docs/search-spaces.md).

Main entry points::

    from search_space.spec import ArchSpec, SpecError          # specs, JSON, content hash
    from search_space.spaces import get_space, list_spaces      # kws, vww50, vww160, ad
    from search_space.fixed import fixed_spec                   # kws-s/m/l, ad-s/m/l, dscnn-s
    from search_space.sampling import sample_specs, sample_within_budget
    from search_space.counting import count_spec, count_tflite  # MACs/ops, params, flash, SRAM
    from search_space.fastpath import spec_to_tflite            # int8 .tflite without TensorFlow
    from search_space.keras_builder import build_keras_model    # Keras 3 model
    from search_space.tf_convert import spec_to_tflite_via_tf   # int8 .tflite through TFLiteConverter
"""
