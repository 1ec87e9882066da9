"""Development and test tools: the embedded broker and child-process handling."""
