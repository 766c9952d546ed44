"""Learning: online learner nodes (in ``neuromix.nodes.learners``), offline fitting of any
patch's parameters to a target sound (:mod:`.fit`), reservoir resynthesis (:mod:`.reservoir`)
and the losses and measures both use (:mod:`.losses`)."""
