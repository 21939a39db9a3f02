"""LOOK-M testbed, Python side: the conform worker (``lookm_traces.conform``), PyTorch reference variants
(``lookm_traces.variants``) and the closed-loop evaluator (``python -m lookm_traces.evaluate``: a policy's exported
decisions through the model, KL and top-1 agreement against the full cache). The recorder, reader and writer stay top-level modules beside this package
(record_trace, recorder_adapters, tiny_models, tiny_llava, lookm_trace_writer, lookm_scores) and are installed with it by ``pip install -e traces/python``.

The version is the Java side's (the Maven project version, pom.xml); ``test_conform.py`` checks that they agree.
"""

__version__ = "0.1.0.dev0"
"""PEP 440 spelling of the Maven version 0.1.0-SNAPSHOT."""
