<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>main</name>
    <message>
        <source>Interactive post-training quantization of neural networks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open the embedded sample model with its photos set up for calibration.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the documentation screenshots into &lt;dir&gt; and quit.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>dir</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An ONNX or TFLite model, or a Quantscope project (.quantscope.yaml), to open.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qs::GraphMinimap</name>
    <message>
        <source>Overview of the whole graph: click or drag to move the view there</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qs::GraphView</name>
    <message>
        <source>Toggle Skip (keep %1 in float)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cosine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>float</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Each quantized node in the colour of its worst tensor&apos;s cosine on this run&apos;s scale: the worst node red, the best green; nodes left float grey</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back to the graph around this one (Backspace)</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Open %1 (%n node(s))</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>qs::MainWindow</name>
    <message>
        <source>Open Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About Quantscope</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;Quantscope %1&lt;/b&gt;&lt;p&gt;Interactive post-training quantization of neural networks.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quantscope</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 - Quantscope</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Open Model...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open an ONNX or TFLite model (Ctrl+O)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open &amp;Sample Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Find Node</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;About Quantscope</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Property</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>#</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Operator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Inputs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outputs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a model with Ctrl+O, or drop an .onnx or .tflite file here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading %1...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not open the model.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not open the model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Format</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ONNX (opset %1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>TFLite</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Producer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%L1 (%L2 bytes)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Operators</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unsupported</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 · %2 nodes · %L3 parameters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, about %1 s left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 %v/%m</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2 of %3%4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> · graph laid out in %1 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export Quantized Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Models (*.%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wrote %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export Config</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>INI files (*.ini *.cfg)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>MobileNet V1 0.25 with five photos set up for calibration</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open &amp;Project...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Save Project...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the model path, settings and skipped nodes as a .yaml project (Ctrl+S)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Export Quantized Model...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write the quantized model: QDQ ONNX or int8 TFLite (Ctrl+E)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export &amp;Config...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write the settings as the INI file quantscope-cli convert replays</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fit &amp;Graph</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Run Quantization</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calibrate (when the data changed) and quantize in the background (Ctrl+R)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop the running calibration or quantization (Esc)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quantization Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Graph</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nodes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Find nodes by name or operator (Ctrl+F)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>starting...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cancelling...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled. Run again with Ctrl+R.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quantization failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 nodes quantized · %2 KiB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save Project</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quantscope projects (*.yaml)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not save the project</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open Project</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not open the project</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Suggest Skips</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rank the quantized layers by how much the output improves when each alone stays float</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export Debug &amp;Reports...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write output_summary.csv, round_*.csv and quant_param.csv (MindSpore Lite&apos;s columns)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Properties</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attributes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>  weights: min %1, max %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>skipped (float)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>quantized</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>float: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>float</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quantization</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export Debug Reports</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Weights</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 bits, %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rounding</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>keeps each channel&apos;s mean output on %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2): %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source> · %n weighted operator(s) left float</source>
        <translation>
            <numerusform> · %n weighted operator left float</numerusform>
            <numerusform> · %n weighted operators left float</numerusform>
        </translation>
    </message>
    <message>
        <source>Not quantized although neither skip_quant_node nor a config rule asked for it:
%1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>target_cosine %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output cosine %1 on %2 held-back calibration samples. Tried:
%3

Kept float: %4

They are now in skip_quant_node (Ctrl+Z takes them back).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open Config</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>MindSpore Lite configs (*.ini *.cfg *.config);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not open the config</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open &amp;Config...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Load a MindSpore Lite INI config into the settings, with its problems listed (Ctrl+Shift+O)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Config %1 loaded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>calibration</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>quantization</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>bias correction</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>comparison</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>sensitivity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>target_cosine search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>auto_tune</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>debug reports</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Writing debug reports to %1... (Esc cancels)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Default (the config&apos;s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Weight Bits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>[quantscope_param] node_weight_bits: the bits of this node&apos;s weight grid instead of the config&apos;s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Range Method</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>[quantscope_param] node_activation_quant_method: how this node&apos;s output activation range is chosen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>W%1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sensitivity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Best node to skip: %1 (output cosine %2 -&gt; %3)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 · not exported: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The plan was measured in memory; writing it as a model failed:
%1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n most damaging weighted node(s) int16: output cosine %1, %2 of %3 weighted ops with int8 weights</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n most damaging weighted node(s) float: output cosine %1, %2 of %3 weighted ops with int8 weights</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>The plan reaches output cosine %1 on %2 held-back calibration samples: target %3 met, no node raised.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output cosine %1 on %2 held-back calibration samples. Tried:
%3

int16 activations: %4

They are now in int16_activation_node (Ctrl+Z takes them back).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>16-bit Activations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>[quantscope_param] int16_activation_node: a TFLite model has int16 activations for all its ops or none, so this node stays float</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>[quantscope_param] int16_activation_node: the tensors this node reads and writes get int16 instead of int8</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A16</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Models and projects (*.onnx *.tflite *.yaml);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading the sample...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Project</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 int8 nodes, %2 with int16 activations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 int8 nodes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>output cosine %1 (%2 samples)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, was %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1, %2 float · %3 · %4 KiB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quantscope projects (*.quantscope.yaml *.yaml)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 int8 nodes planned · estimated from the calibration histograms, measuring...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tensors measured on the first sample · comparing the outputs...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output cosine: the quantized model&apos;s outputs against float on the first calibration samples. Mask IoU (probability-map outputs such as text detectors&apos;): overlap of the pixels above 0.3. Box match (box and score outputs): F1 of the detections above 0.5 whose boxes overlap at IoU 0.5 or more.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, mask IoU %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, box match %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tensors measured on the first sample, before bias correction and learned rounding · refining the plan...</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qs::ProjectDocument</name>
    <message>
        <source>Wait for the running job to finish, or cancel it (Esc).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a model first, and wait for the run to finish.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open config %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Give %n node(s) int16 activations for target_cosine</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Keep %n node(s) float for target_cosine</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Wrote output_summary.csv, round_*.csv and quant_param.csv to %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Debug report export cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A run is in progress: export when it has finished.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The last run&apos;s plan could not be exported: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing to export yet: run the quantization first (Ctrl+R).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refusing to overwrite the model.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a model first.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qs::ResultsView</name>
    <message>
        <source>Node</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Operator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tensor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scale</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zero point</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Max</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clip %</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cosine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Skip</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cosine similarity of the tensor before and after quantization: measured by the last run, or estimated from the calibration histogram (italic) after a change</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep this node in float (skip_quant_node)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>tensor (graph order)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cosine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>count</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>float</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>dequantized</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> (weight)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>per channel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>per channel (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: no calibration histogram (weights, or a skipped node)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2): range [%3, %4], clip %5%, cosine %6</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>clip %</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>skipped: stays float</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1%2: %3 bits, scale %4, zero point %5, clip %6%, cosine %7</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Before</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The cosine the run before this one measured for the tensor: compare before and after a change</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>before</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>now %1, before %2 (%3%4)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>this run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>worst</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The range ends at %1, not at the calibrated extreme: beyond it the readers of this tensor compute the same (a HardSwish below -3, a Relu below 0), so nothing there is clipped and the int8 steps go to the values that count</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qs::SensitivityView</name>
    <message>
        <source>#</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Node</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Op</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output cosine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run &gt; Suggest Skips ranks the weighted nodes by the model output reached when each alone stays float.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Output cosine of the plan: %1 on %n calibration sample(s). Each row: the output cosine with that node alone kept float, and the change.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Skip Top k</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add the k best nodes of the ranking to skip_quant_node (one undo step)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Skip Until Cosine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run with [quantscope_param] target_cosine: keep the most sensitive nodes float, one at a time, measuring the output after each, until it reaches this cosine</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qs::SettingsEditor</name>
    <message>
        <source>Key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>INI file (what the CLI replays):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Default: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Range: %1 to %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error: </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warning: </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No problems.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folder for input &apos;%1&apos;...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calibration data for input &apos;%1&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No calibration image to preview.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 as calibration sees it (%2x%3, shown stretched to its value range)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not read with quant_type=%1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
