"""Teaching: the ready-made lessons (``lessons``) and the printable handout
(``handout``) of the Teach page."""
