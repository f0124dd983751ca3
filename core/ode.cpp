// ode.cpp: (being written)
