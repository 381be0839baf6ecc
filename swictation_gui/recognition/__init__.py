"""Speech recognizers behind one interface: sherpa-onnx (CPU) and our onnxruntime engine."""
